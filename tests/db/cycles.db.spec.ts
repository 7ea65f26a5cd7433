import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eq } from 'drizzle-orm';
import { createTestDb } from '$lib/server/db/testing';
import type { Db, DbHandle } from '$lib/server/db/client';
import { auditLog, survey } from '$lib/server/db/schema';
import { createCycle, getCycle, setCycleStatus, updateCycle } from '$lib/server/cycles/cycles';
import { createCategory, deleteCategory, updateCategory } from '$lib/server/cycles/categories';
import { deleteGroup, upsertGroup } from '$lib/server/cycles/groups';
import { deleteArea, insertAreas, updateArea } from '$lib/server/cycles/areas';
import { deleteUnit, insertUnits, updateUnit } from '$lib/server/cycles/units';
import { copyCycle, exportCycle, importCycle } from '$lib/server/cycles/cycle-document';
import { importCycleFile } from '$lib/server/cycles/bulk-import';
import {
	closeSurvey,
	insertSurvey,
	publishSurvey,
	surveyToInput,
	updateSurvey
} from '$lib/server/surveys/surveys';
import { DomainError, NotFoundError, ReadOnlyError } from '$lib/server/errors';
import { cycleConfigSchema, defaultCycleConfig } from '$lib/schemas/cycle-config';
import { cycleDocumentSchema } from '$lib/schemas/cycle-document';
import { admin, countAllRows } from '../fixtures/db';
import { sampleCycleDocument } from '../fixtures/cycle';
import { csvBytes } from '../fixtures/spreadsheets';

let handle: DbHandle;
let db: Db;

beforeAll(async () => {
	handle = await createTestDb();
	db = handle.db;
});
afterAll(async () => {
	await handle?.close();
});

describe('cycles', () => {
	it('creates a draft with the default methodology at config version 1', async () => {
		const c = await createCycle(db, admin, { name: '2025年度', year: 2025 });
		expect(c).toMatchObject({
			status: 'draft',
			configVersion: 1,
			fullPoints: 10,
			pointsMode: 'proportional',
			closedAt: null
		});
		expect(c.config).toEqual(defaultCycleConfig());
		expect((await getCycle(db, c.id)).name).toBe('2025年度');
	});

	it('refuses ids that are not cycles with NotFoundError', async () => {
		for (const id of [0, -1, Number.NaN, 2 ** 53, 1.5, 999_999]) {
			await expect(getCycle(db, id)).rejects.toBeInstanceOf(NotFoundError);
		}
	});

	it('bumps config_version only when the methodology changes', async () => {
		const c = await createCycle(db, admin, { name: '版本', year: 2026 });
		const v = async () => (await getCycle(db, c.id)).configVersion;

		await updateCycle(db, admin, c.id, { name: '改名', year: 2027 });
		expect(await v()).toBe(1);

		const changed = cycleConfigSchema.parse({ satisfiedThreshold: 70 });
		await updateCycle(db, admin, c.id, { config: changed });
		expect(await v()).toBe(2);

		// The same parameters again, as read back from the database: nothing changed.
		await updateCycle(db, admin, c.id, { config: (await getCycle(db, c.id)).config });
		expect(await v()).toBe(2);
		// ... and as a client would send them, freshly parsed (keys in the schema's order).
		await updateCycle(db, admin, c.id, {
			config: cycleConfigSchema.parse({ satisfiedThreshold: 70 })
		});
		expect(await v()).toBe(2);

		await updateCycle(db, admin, c.id, { fullPoints: 10 });
		expect(await v()).toBe(2);
		await updateCycle(db, admin, c.id, { fullPoints: 15 });
		expect(await v()).toBe(3);
		await updateCycle(db, admin, c.id, { pointsMode: 'proportional' });
		expect(await v()).toBe(3);
		await updateCycle(db, admin, c.id, { pointsMode: 'rank_step' });
		expect(await v()).toBe(4);

		const nested = structuredClone(changed);
		nested.postStratification.weightCap = 3;
		await updateCycle(db, admin, c.id, { config: nested, name: '再改名' });
		const after = await getCycle(db, c.id);
		expect(after.configVersion).toBe(5);
		expect(after.config.postStratification.weightCap).toBe(3);
		expect(after.name).toBe('再改名');
		expect(after.year).toBe(2027);
	});

	it('opening a cycle keeps its surveys and their hash keys', async () => {
		const id = await importCycle(
			db,
			admin,
			cycleDocumentSchema.parse(sampleCycleDocument(2030, 'open'))
		);
		const opened = await setCycleStatus(db, admin, id, 'open');
		expect(opened.status).toBe('open');
		const surveys = await db.select().from(survey).where(eq(survey.cycleId, id));
		expect(surveys).toHaveLength(2);
		for (const s of surveys) expect(s.hashKey).not.toBeNull();
	});
});

describe('a closed cycle', () => {
	let id: number;
	let otherId: number;

	beforeAll(async () => {
		id = await importCycle(
			db,
			admin,
			cycleDocumentSchema.parse(sampleCycleDocument(2031, 'closed'))
		);
		otherId = await importCycle(
			db,
			admin,
			cycleDocumentSchema.parse(sampleCycleDocument(2032, 'other'))
		);
		await publishSurvey(db, admin, 'closed-residents-2031');
		const before = await db.select().from(survey).where(eq(survey.cycleId, id));
		expect(before.every((s) => s.hashKey && s.hashKey.byteLength === 32)).toBe(true);
		await setCycleStatus(db, admin, id, 'closed');
	});

	it('destroys the hash keys of its surveys and closes them, and only its own', async () => {
		const c = await getCycle(db, id);
		expect(c.status).toBe('closed');
		expect(c.closedAt).toBeInstanceOf(Date);
		const mine = await db.select().from(survey).where(eq(survey.cycleId, id));
		expect(mine).toHaveLength(2);
		for (const s of mine) {
			expect(s.hashKey).toBeNull();
			expect(s.status).toBe('closed');
		}
		const others = await db.select().from(survey).where(eq(survey.cycleId, otherId));
		for (const s of others) {
			expect(s.hashKey).not.toBeNull();
			expect(s.status).toBe('draft');
		}
	});

	it('refuses every write with ReadOnlyError and changes nothing', async () => {
		const exported = await exportCycle(db, id);
		const counts = await countAllRows(db);
		const residents = surveyToInput(
			(await db.select().from(survey).where(eq(survey.slug, 'closed-residents-2031')))[0]
		);
		const writes: [string, () => Promise<unknown>][] = [
			['updateCycle name', () => updateCycle(db, admin, id, { name: 'x' })],
			['updateCycle config', () => updateCycle(db, admin, id, { config: defaultCycleConfig() })],
			['open', () => setCycleStatus(db, admin, id, 'open')],
			['close again', () => setCycleStatus(db, admin, id, 'closed')],
			[
				'createCategory',
				() => createCategory(db, admin, id, { code: 'new', name: '新', weights: { residents: 1 } })
			],
			[
				'updateCategory',
				() => updateCategory(db, admin, id, 'township', { name: '改', weights: { residents: 1 } })
			],
			['deleteCategory', () => deleteCategory(db, admin, id, 'general')],
			[
				'upsertGroup',
				() => upsertGroup(db, admin, id, { code: 'g2', label: '新群体', identity: 'link' })
			],
			['deleteGroup', () => deleteGroup(db, admin, id, 'residents')],
			[
				'insertAreas',
				() => insertAreas(db, admin, id, [{ code: 'N1', name: '新区', population: 1 }], 'test')
			],
			[
				'updateArea',
				() => updateArea(db, admin, id, 'TW02', { name: '改', parent: null, population: 1 })
			],
			['deleteArea', () => deleteArea(db, admin, id, 'TW02-01')],
			[
				'insertUnits',
				() => insertUnits(db, admin, id, [{ code: 'N1', name: '新', category: 'township' }], 'test')
			],
			[
				'updateUnit',
				() => updateUnit(db, admin, id, 'D01', { name: '改', category: 'general', area: null })
			],
			['deleteUnit', () => deleteUnit(db, admin, id, 'D02')],
			[
				'insertSurvey',
				() =>
					insertSurvey(db, admin, id, {
						...residents,
						slug: 'closed-new-2031'
					})
			],
			[
				'updateSurvey',
				() =>
					updateSurvey(db, admin, 'closed-deputies-2031', {
						...residents,
						slug: 'closed-deputies-2031'
					})
			],
			['publishSurvey', () => publishSurvey(db, admin, 'closed-deputies-2031')],
			[
				'units file',
				() =>
					importCycleFile(
						db,
						admin,
						id,
						'units',
						'units.csv',
						csvBytes([
							['code', 'name', 'category'],
							['N2', '新单位', 'township']
						])
					)
			],
			[
				'areas file',
				() =>
					importCycleFile(
						db,
						admin,
						id,
						'areas',
						'areas.csv',
						csvBytes([
							['code', 'name', 'population'],
							['N3', '新片区', '10']
						])
					)
			]
		];
		for (const [name, write] of writes) {
			const err = await write().then(
				() => new Error(`${name} succeeded`),
				(e: unknown) => e
			);
			expect(err, name).toBeInstanceOf(ReadOnlyError);
			expect((err as ReadOnlyError).status, name).toBe(409);
		}
		// Closing a survey of a closed cycle is refused too (it is closed already).
		await expect(closeSurvey(db, admin, 'closed-residents-2031')).rejects.toBeInstanceOf(
			DomainError
		);

		expect(await exportCycle(db, id)).toEqual(exported);
		expect(await countAllRows(db)).toEqual(counts);
		const c = await getCycle(db, id);
		expect(c.status).toBe('closed');
		expect(c.configVersion).toBe(1);
	});

	it('appends no audit entry for a refused write', async () => {
		const before = await db.select({ id: auditLog.id }).from(auditLog);
		await expect(updateCycle(db, admin, id, { name: 'x' })).rejects.toBeInstanceOf(ReadOnlyError);
		expect(await db.select({ id: auditLog.id }).from(auditLog)).toHaveLength(before.length);
	});

	it('can still be copied, and the copy is a writable draft', async () => {
		const copy = await copyCycle(db, admin, id, { name: '下一年', year: 2033 });
		const c = await getCycle(db, copy);
		expect(c).toMatchObject({ status: 'draft', copiedFromId: id, year: 2033 });
		await createCategory(db, admin, copy, { code: 'new', name: '新', weights: { residents: 1 } });
		const copied = await db.select().from(survey).where(eq(survey.cycleId, copy));
		expect(copied.map((s) => s.status)).toEqual(['draft', 'draft']);
		for (const s of copied) expect(s.hashKey).not.toBeNull();
	});
});
