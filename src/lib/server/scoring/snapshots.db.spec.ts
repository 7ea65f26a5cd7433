import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { and, eq } from 'drizzle-orm';
import { createTestDb } from '$lib/server/db/testing';
import type { DbHandle } from '$lib/server/db/client';
import { auditLog, rating } from '$lib/server/db/schema';
import { ConflictError, NotFoundError, ValidationError } from '$lib/server/errors';
import {
	answers,
	createRatingsCycle,
	insertSubmissions,
	workedExampleAnswers,
	type FactoryCycle
} from '$lib/server/testing/ratings-factory';
import {
	createSnapshot,
	getSnapshot,
	latestPublished,
	listSnapshots,
	publishSnapshot
} from './snapshots';
import { getScores, onlyUnit } from './report';
import { markRollupsStale } from './aggregate';

const admin = { id: null, label: 'office@test.local' };

let h: DbHandle;
let fc: FactoryCycle;
beforeAll(async () => {
	h = await createTestDb();
	fc = await createRatingsCycle(h.db);
	await insertSubmissions(h.db, fc, [
		...workedExampleAnswers('zhen1'),
		...workedExampleAnswers('zhen2'),
		...answers('zhen2', 'residents', 'C', { 0: 20 })
	]);
});
afterAll(async () => {
	await h?.close();
});

describe('score snapshots', () => {
	it('publishing freezes a snapshot; later changes make a new snapshot with a diff', async () => {
		const first = await createSnapshot(h.db, admin, fc.cycleId);
		expect(first.status).toBe('live');
		expect(first.diff).toBeNull();
		expect(first.configVersion).toBe(1);
		expect(first.ruleSetVersion).toBe(1);
		const published = await publishSnapshot(h.db, admin, fc.cycleId, first.id);
		expect(published.status).toBe('published');
		expect(published.publishedBy).toBe(admin.label);
		const frozen = (await getSnapshot(h.db, fc.cycleId, first.id)).results;
		const z1Before = frozen.items.find((i) => i.unit === 'zhen1')!;
		expect(z1Before.score).toBeCloseTo(82.0343, 4);

		// Late review: the dissatisfied answers of zhen1 are excluded.
		await h.db
			.update(rating)
			.set({ status: 3 })
			.where(and(eq(rating.unitId, fc.unitId.get('zhen1')!), eq(rating.value, 0)));
		await markRollupsStale(h.db, fc.cycleId);

		// The published snapshot does not move, through any reader.
		expect((await getSnapshot(h.db, fc.cycleId, first.id)).results).toEqual(frozen);
		const pubDoc = await getScores(h.db, fc.cycleId, { snapshot: 'published' });
		expect(pubDoc.snapshot).toMatchObject({ id: first.id, status: 'published' });
		expect(pubDoc.items).toEqual(frozen.items);
		// Live scores do.
		const live = await getScores(h.db, fc.cycleId);
		expect(live.snapshot.id).toBeNull();
		const z1Live = live.items.find((i) => i.unit === 'zhen1')!;
		expect(z1Live.score).toBeGreaterThan(z1Before.score!);

		const second = await createSnapshot(h.db, admin, fc.cycleId);
		expect(second.diff?.baseId).toBe(first.id);
		const d = second.diff!.changed.find((c) => c.unit === 'zhen1')!;
		expect(d.score.before).toBe(z1Before.score);
		expect(d.score.after).toBeCloseTo(z1Live.score!, 10);
		expect(d.score.delta).toBeCloseTo(z1Live.score! - z1Before.score!, 10);
		expect(second.diff!.added).toEqual([]);
		expect(second.diff!.removed).toEqual([]);
		// zhen3 and dept1 have no answers either time: unchanged, not listed.
		expect(second.diff!.changed.map((c) => c.unit)).not.toContain('dept1');

		const republished = await publishSnapshot(h.db, admin, fc.cycleId, second.id);
		expect(republished.diff?.baseId).toBe(first.id);
		expect((await latestPublished(h.db, fc.cycleId))!.id).toBe(second.id);
		await expect(publishSnapshot(h.db, admin, fc.cycleId, first.id)).rejects.toBeInstanceOf(
			ConflictError
		);
		// The first snapshot is still exactly what was published.
		const again = await getSnapshot(h.db, fc.cycleId, first.id);
		expect(again.results).toEqual(frozen);
		expect(again.publishedAt?.toISOString()).toBe(published.publishedAt);

		const list = await listSnapshots(h.db, fc.cycleId);
		expect(list.map((s) => [s.id, s.status])).toEqual([
			[second.id, 'published'],
			[first.id, 'published']
		]);
		const actions = (
			await h.db.select().from(auditLog).where(eq(auditLog.cycleId, fc.cycleId))
		).map((a) => a.action);
		expect(actions.filter((a) => a === 'scores.snapshot.publish')).toHaveLength(2);
		expect(actions.filter((a) => a === 'scores.snapshot.create')).toHaveLength(2);
	});

	it('keeps exclusion modes apart and refuses mismatches and unknown snapshots', async () => {
		const none = await createSnapshot(h.db, admin, fc.cycleId, { exclusions: 'none' });
		expect(none.exclusions).toBe('none');
		expect(none.diff).toBeNull();
		const doc = await getScores(h.db, fc.cycleId, { snapshot: none.id });
		expect(doc.exclusions).toBe('none');
		expect(doc.items.every((i) => i.nExcluded === 0)).toBe(true);
		await expect(
			getScores(h.db, fc.cycleId, { snapshot: none.id, exclusions: 'applied' })
		).rejects.toBeInstanceOf(ValidationError);
		await expect(getScores(h.db, fc.cycleId, { snapshot: 999_999 })).rejects.toBeInstanceOf(
			NotFoundError
		);
		await expect(
			getScores(h.db, fc.cycleId, { snapshot: 'published', exclusions: 'none' })
		).rejects.toBeInstanceOf(NotFoundError);
		// Another cycle's snapshot id is not found through this cycle.
		const other = await createRatingsCycle(h.db);
		await expect(getScores(h.db, other.cycleId, { snapshot: none.id })).rejects.toBeInstanceOf(
			NotFoundError
		);
	});

	it('a liaison view holds only their unit', async () => {
		const doc = await getScores(h.db, fc.cycleId);
		const mine = onlyUnit(doc, 'zhen2');
		expect(mine.items.map((i) => i.unit)).toEqual(['zhen2']);
		expect(onlyUnit(doc, null).items).toEqual([]);
	});
});
