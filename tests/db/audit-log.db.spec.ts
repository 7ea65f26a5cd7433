import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { gt } from 'drizzle-orm';
import { createTestDb } from '$lib/server/db/testing';
import type { Db, DbHandle } from '$lib/server/db/client';
import { auditLog, type AuditEntry } from '$lib/server/db/schema';
import {
	appendAudit,
	distinctAuditActions,
	listAudit,
	type Actor
} from '$lib/server/audit/audit-log';
import { createCycle, setCycleStatus, updateCycle } from '$lib/server/cycles/cycles';
import { createCategory, deleteCategory, updateCategory } from '$lib/server/cycles/categories';
import { deleteGroup, upsertGroup } from '$lib/server/cycles/groups';
import { deleteArea, insertAreas, updateArea } from '$lib/server/cycles/areas';
import { deleteUnit, insertUnits, updateUnit } from '$lib/server/cycles/units';
import { copyCycle } from '$lib/server/cycles/cycle-document';
import { importCycleFile } from '$lib/server/cycles/bulk-import';
import { changePassword, createUser, deleteUser, updateUser } from '$lib/server/users/users';
import {
	closeSurvey,
	insertSurvey,
	publishSurvey,
	updateSurvey
} from '$lib/server/surveys/surveys';
import { surveyInputSchema } from '$lib/schemas/survey';
import { cycleConfigSchema } from '$lib/schemas/cycle-config';
import { createTestUser } from '../fixtures/db';
import { csvBytes } from '../fixtures/spreadsheets';

let handle: DbHandle;
let db: Db;
let officer: Actor;

beforeAll(async () => {
	handle = await createTestDb();
	db = handle.db;
	officer = (await createTestUser(db, 'admin', { email: 'officer@test.local' })).actor;
});
afterAll(async () => {
	await handle?.close();
});

async function lastId(): Promise<number> {
	const rows = await db.select({ id: auditLog.id }).from(auditLog);
	return rows.reduce((m, r) => Math.max(m, r.id), 0);
}

/** Runs one change and returns the audit entries it appended. */
async function entriesOf(change: () => Promise<unknown>): Promise<AuditEntry[]> {
	const before = await lastId();
	await change();
	return db.select().from(auditLog).where(gt(auditLog.id, before)).orderBy(auditLog.id);
}

describe('audit log: every configuration and user change appends one entry', () => {
	it('records actor, action, target and cycle for each change', async () => {
		let cycleId = 0;
		const expectOne = async (
			change: () => Promise<unknown>,
			action: string,
			targetType: string,
			targetId: string | null | (() => string)
		) => {
			const entries = await entriesOf(change);
			expect(
				entries.map((e) => e.action),
				action
			).toEqual([action]);
			const e = entries[0];
			expect(e, action).toMatchObject({
				actorId: officer.id,
				actorLabel: officer.label,
				targetType,
				targetId: typeof targetId === 'function' ? targetId() : targetId
			});
			expect(e.at, action).toBeInstanceOf(Date);
			expect(Math.abs(e.at.getTime() - Date.now()), action).toBeLessThan(10 * 60 * 1000);
			if (targetType !== 'user') expect(e.cycleId, action).toBe(cycleId);
			return e;
		};

		const created = await entriesOf(async () => {
			cycleId = (await createCycle(db, officer, { name: '审计', year: 2025 })).id;
		});
		expect(created).toHaveLength(1);
		expect(created[0]).toMatchObject({
			action: 'cycle.create',
			actorId: officer.id,
			targetType: 'cycle',
			targetId: String(cycleId),
			cycleId,
			detail: { name: '审计', year: 2025 }
		});

		const upd = await expectOne(
			() =>
				updateCycle(db, officer, cycleId, { config: cycleConfigSchema.parse({ rankDecimals: 1 }) }),
			'cycle.update',
			'cycle',
			() => String(cycleId)
		);
		expect(upd.detail).toMatchObject({ before: { configVersion: 1 }, after: { configVersion: 2 } });

		await expectOne(
			() =>
				upsertGroup(db, officer, cycleId, { code: 'residents', label: '群众', identity: 'link' }),
			'group.save',
			'group',
			'residents'
		);
		await expectOne(
			() => upsertGroup(db, officer, cycleId, { code: 'spare', label: '备用', identity: 'link' }),
			'group.save',
			'group',
			'spare'
		);
		await expectOne(
			() => deleteGroup(db, officer, cycleId, 'spare'),
			'group.delete',
			'group',
			'spare'
		);
		const cat = await expectOne(
			() =>
				createCategory(db, officer, cycleId, {
					code: 'township',
					name: '乡镇',
					weights: { residents: 1 }
				}),
			'category.create',
			'category',
			'township'
		);
		expect(cat.detail).toEqual({ name: '乡镇', weights: { residents: 1 } });
		const catUpd = await expectOne(
			() =>
				updateCategory(db, officer, cycleId, 'township', { name: '镇', weights: { residents: 1 } }),
			'category.update',
			'category',
			'township'
		);
		expect(catUpd.detail).toMatchObject({ before: { name: '乡镇' }, after: { name: '镇' } });
		await expectOne(
			() =>
				createCategory(db, officer, cycleId, {
					code: 'spare',
					name: '备用',
					weights: { residents: 1 }
				}),
			'category.create',
			'category',
			'spare'
		);
		await expectOne(
			() => deleteCategory(db, officer, cycleId, 'spare'),
			'category.delete',
			'category',
			'spare'
		);
		await expectOne(
			() =>
				insertAreas(
					db,
					officer,
					cycleId,
					[
						{ code: 'TW01', name: '河口镇', population: 100 },
						{ code: 'TW02', name: '石桥镇', population: 100 }
					],
					'form'
				),
			'area.import',
			'area',
			null
		);
		await expectOne(
			() =>
				updateArea(db, officer, cycleId, 'TW01', { name: '河口镇', parent: null, population: 200 }),
			'area.update',
			'area',
			'TW01'
		);
		await expectOne(() => deleteArea(db, officer, cycleId, 'TW02'), 'area.delete', 'area', 'TW02');
		await expectOne(
			() =>
				insertUnits(
					db,
					officer,
					cycleId,
					[{ code: 'U1', name: '一', category: 'township' }],
					'form'
				),
			'unit.create',
			'unit',
			'U1'
		);
		await expectOne(
			() =>
				importCycleFile(
					db,
					officer,
					cycleId,
					'units',
					'u.csv',
					csvBytes([
						['code', 'name', 'category'],
						['U2', '二', 'township'],
						['U3', '三', 'township']
					])
				),
			'unit.import',
			'unit',
			null
		);
		await expectOne(
			() =>
				updateUnit(db, officer, cycleId, 'U1', {
					name: '一号',
					category: 'township',
					area: 'TW01'
				}),
			'unit.update',
			'unit',
			'U1'
		);
		await expectOne(() => deleteUnit(db, officer, cycleId, 'U3'), 'unit.delete', 'unit', 'U3');

		const surveyInput = surveyInputSchema.parse({
			slug: 'audit-survey',
			title: '问卷',
			groups: ['residents']
		});
		await expectOne(
			() => insertSurvey(db, officer, cycleId, surveyInput),
			'survey.create',
			'survey',
			'audit-survey'
		);
		await expectOne(
			() => updateSurvey(db, officer, 'audit-survey', { ...surveyInput, title: '问卷二' }),
			'survey.update',
			'survey',
			'audit-survey'
		);
		await expectOne(
			() => publishSurvey(db, officer, 'audit-survey'),
			'survey.publish',
			'survey',
			'audit-survey'
		);
		// After publication only texts may change, and such an edit is logged as such.
		await expectOne(
			() => updateSurvey(db, officer, 'audit-survey', { ...surveyInput, title: '问卷三' }),
			'survey.edit_texts',
			'survey',
			'audit-survey'
		);
		await expectOne(
			() => closeSurvey(db, officer, 'audit-survey'),
			'survey.close',
			'survey',
			'audit-survey'
		);
		await expectOne(
			() => setCycleStatus(db, officer, cycleId, 'open'),
			'cycle.open',
			'cycle',
			() => String(cycleId)
		);
		const closing = await expectOne(
			() => setCycleStatus(db, officer, cycleId, 'closed'),
			'cycle.close',
			'cycle',
			() => String(cycleId)
		);
		expect(closing.detail).toEqual({ from: 'open', to: 'closed' });

		const copied = await entriesOf(() =>
			copyCycle(db, officer, cycleId, { name: '复制', year: 2026 })
		);
		expect(copied.map((e) => e.action)).toEqual(
			expect.arrayContaining([
				'cycle.create',
				'area.import',
				'unit.import',
				'survey.create',
				'cycle.import'
			])
		);
		expect(copied.every((e) => e.actorId === officer.id)).toBe(true);
		expect(copied.find((e) => e.action === 'cycle.import')?.detail).toMatchObject({
			copiedFromId: cycleId
		});
	});

	it('records user and role changes, without any password', async () => {
		let id = 0;
		const created = await entriesOf(async () => {
			id = (
				await createUser(db, officer, {
					email: 'new.user@test.local',
					name: '新用户',
					role: 'viewer',
					password: 'a-secret-password-1'
				})
			).id;
		});
		expect(created).toEqual([
			expect.objectContaining({
				action: 'user.create',
				actorId: officer.id,
				targetType: 'user',
				targetId: String(id),
				detail: { email: 'new.user@test.local', role: 'viewer', unitCode: null }
			})
		]);
		const roleChange = await entriesOf(() =>
			updateUser(db, officer, id, { role: 'unit_liaison', unitCode: 'TW01' })
		);
		expect(roleChange).toEqual([
			expect.objectContaining({
				action: 'user.update',
				targetId: String(id),
				detail: {
					before: { role: 'viewer', unitCode: null, disabled: false },
					after: { role: 'unit_liaison', unitCode: 'TW01', disabled: false },
					passwordReset: false
				}
			})
		]);
		const reset = await entriesOf(() =>
			updateUser(db, officer, id, { password: 'reset-password-22' })
		);
		expect(reset[0].detail).toMatchObject({ passwordReset: true });
		const own = await entriesOf(() =>
			changePassword(db, id, 'reset-password-22', 'my-own-password-3', 'no-session')
		);
		expect(own).toEqual([
			expect.objectContaining({
				action: 'user.change_password',
				actorId: id,
				actorLabel: 'new.user@test.local',
				targetId: String(id)
			})
		]);
		const deleted = await entriesOf(() => deleteUser(db, officer, id));
		expect(deleted).toEqual([
			expect.objectContaining({
				action: 'user.delete',
				targetId: String(id),
				detail: { email: 'new.user@test.local' }
			})
		]);
		const everything = JSON.stringify(await db.select().from(auditLog));
		for (const pw of ['a-secret-password-1', 'reset-password-22', 'my-own-password-3']) {
			expect(everything).not.toContain(pw);
		}
	});
});

describe('audit log: browsing and filters', () => {
	const alice: Actor = { id: 9001, label: 'alice@county.local' };
	const bob: Actor = { id: 9002, label: 'bob@county.local' };
	let firstId = 0;

	beforeAll(async () => {
		firstId = (await lastId()) + 1;
		await appendAudit(db, alice, { action: 'zz.alpha', targetType: 'thing', targetId: 1 });
		await appendAudit(db, bob, { action: 'zz.alpha', targetType: 'other', targetId: 2 });
		await appendAudit(db, alice, { action: 'zz.beta', targetType: 'thing', targetId: 3 });
		await appendAudit(db, bob, { action: 'zz_gamma', targetType: 'thing', targetId: 4 });
		await appendAudit(db, alice, { action: '%.weird', targetType: 'thing', targetId: 5 });
	});

	const ids = (items: AuditEntry[]) => items.filter((e) => e.id >= firstId).map((e) => e.targetId);

	it('lists newest first', async () => {
		const { items } = await listAudit(db, { limit: 5 });
		expect(items.map((e) => e.targetId)).toEqual(['5', '4', '3', '2', '1']);
	});

	it('filters by action prefix, treating % and _ literally', async () => {
		expect(ids((await listAudit(db, { action: 'zz.' })).items)).toEqual(['3', '2', '1']);
		expect(ids((await listAudit(db, { action: 'zz.alpha' })).items)).toEqual(['2', '1']);
		expect(ids((await listAudit(db, { action: 'ZZ.A' })).items)).toEqual(['2', '1']);
		expect(ids((await listAudit(db, { action: 'zz_' })).items)).toEqual(['4']);
		expect(ids((await listAudit(db, { action: '%' })).items)).toEqual(['5']);
		expect(ids((await listAudit(db, { action: 'lpha' })).items)).toEqual([]);
	});

	it('filters by actor substring, target type, and time', async () => {
		expect(ids((await listAudit(db, { actor: 'alice' })).items)).toEqual(['5', '3', '1']);
		expect(ids((await listAudit(db, { actor: 'BOB@' })).items)).toEqual(['4', '2']);
		expect(ids((await listAudit(db, { actor: '%' })).items)).toEqual([]);
		expect(ids((await listAudit(db, { targetType: 'other' })).items)).toEqual(['2']);
		expect(ids((await listAudit(db, { actor: 'alice', action: 'zz.' })).items)).toEqual(['3', '1']);
		const future = new Date(Date.now() + 24 * 3600 * 1000);
		const past = new Date(Date.now() - 24 * 3600 * 1000);
		expect(ids((await listAudit(db, { from: future })).items)).toEqual([]);
		expect(ids((await listAudit(db, { to: past })).items)).toEqual([]);
		expect(ids((await listAudit(db, { from: past, to: future, actor: 'bob' })).items)).toEqual([
			'4',
			'2'
		]);
	});

	it('pages with `before` and reports the next page', async () => {
		const first = await listAudit(db, { limit: 2 });
		expect(first.items.map((e) => e.targetId)).toEqual(['5', '4']);
		expect(first.nextBefore).toBe(first.items[1].id);
		const second = await listAudit(db, { limit: 2, before: first.nextBefore! });
		expect(second.items.map((e) => e.targetId)).toEqual(['3', '2']);
		const all = await listAudit(db, { limit: 500 });
		expect(all.nextBefore).toBeNull();
		// The limit is clamped to 1..500.
		expect((await listAudit(db, { limit: 0 })).items).toHaveLength(1);
	});

	it('lists the distinct actions for the filter menu', async () => {
		const actions = await distinctAuditActions(db);
		expect(actions).toEqual(
			expect.arrayContaining(['zz.alpha', 'zz.beta', 'zz_gamma', 'cycle.create'])
		);
		expect(new Set(actions).size).toBe(actions.length);
	});
});
