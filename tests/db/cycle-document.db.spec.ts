import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eq } from 'drizzle-orm';
import { createTestDb } from '$lib/server/db/testing';
import type { Db, DbHandle } from '$lib/server/db/client';
import { auditLog, survey } from '$lib/server/db/schema';
import { getCycle } from '$lib/server/cycles/cycles';
import { copyCycle, exportCycle, importCycle } from '$lib/server/cycles/cycle-document';
import { ConflictError } from '$lib/server/errors';
import { cycleDocumentSchema, type CycleDocument } from '$lib/schemas/cycle-document';
import { admin, countAllRows } from '../fixtures/db';
import { brokenCycleDocument, sampleCycleDocument } from '../fixtures/cycle';

let handle: DbHandle;
let db: Db;

beforeAll(async () => {
	handle = await createTestDb();
	db = handle.db;
});
afterAll(async () => {
	await handle?.close();
});

/** What a client sees: the document after a trip through JSON. */
const asJson = (doc: CycleDocument): unknown => JSON.parse(JSON.stringify(doc));

describe('cycle document import and export', () => {
	it('exports exactly the document that was imported', async () => {
		const doc = cycleDocumentSchema.parse(sampleCycleDocument(2025, 'rt'));
		const id = await importCycle(db, admin, doc);
		const exported = await exportCycle(db, id);
		expect(asJson(exported)).toEqual(asJson(doc));
		// A third of a weight survives the database unchanged (jsonb keeps the full double).
		expect(exported.categories.find((c) => c.code === 'general')?.weights.residents).toBe(1 / 3);
		// The exported document is itself a valid import.
		expect(cycleDocumentSchema.safeParse(asJson(exported)).success).toBe(true);
	});

	it('round-trips again: import(export(c)) exports the same document', async () => {
		const first = await importCycle(
			db,
			admin,
			cycleDocumentSchema.parse(sampleCycleDocument(2026, 'rt2'))
		);
		const exported = await exportCycle(db, first);
		// Slugs are unique across cycles, so the second import needs its own.
		const again = cycleDocumentSchema.parse({
			...(asJson(exported) as object),
			surveys: exported.surveys.map((s) => ({ ...s, slug: `${s.slug}-b` }))
		});
		const second = await importCycle(db, admin, again);
		expect(second).not.toBe(first);
		const reExported = await exportCycle(db, second);
		expect(asJson(reExported)).toEqual(asJson(again));
		expect({ ...reExported, surveys: [] }).toEqual({ ...exported, surveys: [] });
	});

	it('fills defaults for a document that leaves things out', async () => {
		const id = await importCycle(
			db,
			admin,
			cycleDocumentSchema.parse({
				cycle: { name: '缺省', year: 2027 },
				groups: [
					{ code: 'deputies', label: '代表' },
					{ code: 'residents', label: '群众' }
				],
				categories: [{ code: 'c', name: '类', weights: { residents: 0.5, deputies: 0.5 } }]
			})
		);
		const doc = await exportCycle(db, id);
		expect(doc.cycle.fullPoints).toBe(10);
		expect(doc.cycle.pointsMode).toBe('proportional');
		expect(doc.groups.map((g) => [g.code, g.identity, g.minValid])).toEqual([
			['deputies', 'link', 15],
			['residents', 'link', 30]
		]);
		expect(doc.areas).toEqual([]);
		expect(doc.units).toEqual([]);
		expect((await getCycle(db, id)).status).toBe('draft');
	});

	it('lists every problem of a bad document at its path, and nothing is created', async () => {
		const before = await countAllRows(db);
		const { doc, expectedProblems } = brokenCycleDocument();
		const r = cycleDocumentSchema.safeParse(doc);
		expect(r.success).toBe(false);
		const got = r.error!.issues.map((i) => ({
			path: i.path.map(String).join('.'),
			message: i.message
		}));
		for (const p of expectedProblems) expect(got).toContainEqual(p);
		expect(await countAllRows(db)).toEqual(before);
	});

	it('is all-or-nothing when the database refuses part of a valid document', async () => {
		await importCycle(db, admin, cycleDocumentSchema.parse(sampleCycleDocument(2028, 'taken')));
		const before = await countAllRows(db);
		const auditBefore = await db.select({ id: auditLog.id }).from(auditLog);
		// Valid on its own, but its second survey's slug belongs to another cycle: the cycle, groups,
		// categories, areas, units and the first survey must all roll back.
		const doc = sampleCycleDocument(2029, 'fresh');
		doc.surveys![1].slug = 'taken-deputies-2028';
		const err = await importCycle(db, admin, cycleDocumentSchema.parse(doc)).then(
			() => new Error('import succeeded'),
			(e: unknown) => e
		);
		expect(err).toBeInstanceOf(ConflictError);
		expect(await countAllRows(db)).toEqual(before);
		expect(await db.select({ id: auditLog.id }).from(auditLog)).toHaveLength(auditBefore.length);
		expect(await db.select().from(survey).where(eq(survey.slug, 'fresh-residents-2029'))).toEqual(
			[]
		);
	});

	it('records the import in the audit log with its sizes', async () => {
		const id = await importCycle(
			db,
			admin,
			cycleDocumentSchema.parse(sampleCycleDocument(2035, 'aud'))
		);
		const entries = await db.select().from(auditLog).where(eq(auditLog.cycleId, id));
		const imp = entries.find((e) => e.action === 'cycle.import');
		expect(imp).toMatchObject({
			actorLabel: admin.label,
			targetType: 'cycle',
			targetId: String(id)
		});
		expect(imp?.detail).toMatchObject({ categories: 3, groups: 3, areas: 5, units: 5, surveys: 2 });
	});
});

describe('copyCycle (copy from last year)', () => {
	it('copies the whole configuration into a new draft with new survey slugs', async () => {
		const from = await importCycle(
			db,
			admin,
			cycleDocumentSchema.parse(sampleCycleDocument(2040, 'cp'))
		);
		const source = await exportCycle(db, from);
		const to = await copyCycle(db, admin, from, { name: '2041年度', year: 2041 });
		const c = await getCycle(db, to);
		expect(c).toMatchObject({
			name: '2041年度',
			year: 2041,
			status: 'draft',
			copiedFromId: from,
			configVersion: 1
		});

		const copy = await exportCycle(db, to);
		expect(copy.cycle).toEqual({ ...source.cycle, name: '2041年度', year: 2041 });
		expect(copy.categories).toEqual(source.categories);
		expect(copy.groups).toEqual(source.groups);
		expect(copy.areas).toEqual(source.areas);
		expect(copy.units).toEqual(source.units);
		expect(copy.surveys.map((s) => s.slug)).toEqual(['cp-residents-2041', 'cp-deputies-2041']);
		expect(copy.surveys.map((s) => [s.opensAt, s.closesAt])).toEqual([
			[undefined, undefined],
			[undefined, undefined]
		]);
		const strip = (s: CycleDocument['surveys'][number]) => ({
			...s,
			slug: '',
			opensAt: undefined,
			closesAt: undefined
		});
		expect(copy.surveys.map(strip)).toEqual(source.surveys.map(strip));
		// The source is untouched.
		expect(await exportCycle(db, from)).toEqual(source);
	});

	it('refuses a second copy into the same year (survey slugs would clash) and rolls it back', async () => {
		const from = await importCycle(
			db,
			admin,
			cycleDocumentSchema.parse(sampleCycleDocument(2042, 'cq'))
		);
		await copyCycle(db, admin, from, { name: '一', year: 2043 });
		const before = await countAllRows(db);
		await expect(copyCycle(db, admin, from, { name: '二', year: 2043 })).rejects.toBeInstanceOf(
			ConflictError
		);
		expect(await countAllRows(db)).toEqual(before);
	});
});
