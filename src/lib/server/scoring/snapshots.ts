import { and, desc, eq, sql } from 'drizzle-orm';
import type { DbOrTx } from '../db/client';
import { scoreSnapshot, type ScoreSnapshot } from '../db/schema';
import { appendAudit, type Actor } from '../audit/audit-log';
import { ConflictError, NotFoundError } from '../errors';
import { getCycle } from '../cycles/cycles';
import type {
	DiffChange,
	ExclusionMode,
	ScoresBody,
	SnapshotDiff,
	SnapshotSummary,
	UnitDiff
} from '$lib/schemas/scores';
import { recomputeFromRatings } from './compute';

/** Score deltas smaller than this are rounding noise, not a change. */
const EPSILON = 1e-9;

function change(before: number | null, after: number | null): DiffChange {
	return {
		before,
		after,
		delta: before === null || after === null ? null : after - before
	};
}

function changed(c: DiffChange): boolean {
	if (c.before === null || c.after === null) return c.before !== c.after;
	return Math.abs(c.after - c.before) > EPSILON;
}

/** Per-unit score, rank and points changes of `next` against a published snapshot. */
export function diffResults(
	base: { id: number; publishedAt: Date | null; results: ScoresBody },
	next: ScoresBody
): SnapshotDiff {
	const before = new Map(base.results.items.map((i) => [i.unit, i]));
	const after = new Map(next.items.map((i) => [i.unit, i]));
	const out: UnitDiff[] = [];
	for (const a of next.items) {
		const b = before.get(a.unit);
		if (!b) continue;
		const d: UnitDiff = {
			unit: a.unit,
			unitName: a.unitName,
			category: a.category,
			score: change(b.score, a.score),
			rank: change(b.rank, a.rank),
			points: change(b.points, a.points)
		};
		if (changed(d.score) || changed(d.rank) || changed(d.points)) out.push(d);
	}
	return {
		baseId: base.id,
		basePublishedAt: base.publishedAt?.toISOString() ?? null,
		changed: out,
		added: next.items.filter((i) => !before.has(i.unit)).map((i) => i.unit),
		removed: base.results.items.filter((i) => !after.has(i.unit)).map((i) => i.unit)
	};
}

export function summaryOf(row: Omit<ScoreSnapshot, 'results'>): SnapshotSummary {
	return {
		id: row.id,
		cycleId: row.cycleId,
		computedAt: row.computedAt.toISOString(),
		configVersion: row.configVersion,
		ruleSetVersion: row.ruleSetVersion,
		status: row.status,
		exclusions: row.exclusions,
		createdBy: row.createdBy,
		publishedAt: row.publishedAt?.toISOString() ?? null,
		publishedBy: row.publishedBy,
		diff: row.diff
	};
}

/** The latest published snapshot of the cycle (of one exclusion mode, when given). */
export async function latestPublished(
	db: DbOrTx,
	cycleId: number,
	exclusions?: ExclusionMode
): Promise<ScoreSnapshot | null> {
	const [row] = await db
		.select()
		.from(scoreSnapshot)
		.where(
			and(
				eq(scoreSnapshot.cycleId, cycleId),
				eq(scoreSnapshot.status, 'published'),
				exclusions ? eq(scoreSnapshot.exclusions, exclusions) : undefined
			)
		)
		.orderBy(desc(scoreSnapshot.publishedAt), desc(scoreSnapshot.id))
		.limit(1);
	return row ?? null;
}

/**
 * Computes the cycle's scores from a full scan of `ratings` and stores them. The diff against
 * the last published snapshot of the same mode is recorded now and again at publication.
 */
export async function createSnapshot(
	db: DbOrTx,
	actor: Actor,
	cycleId: number,
	options: { exclusions?: ExclusionMode } = {}
): Promise<SnapshotSummary> {
	await getCycle(db, cycleId);
	const exclusions = options.exclusions ?? 'applied';
	const body = await recomputeFromRatings(db, cycleId, exclusions);
	const base = await latestPublished(db, cycleId, exclusions);
	const [row] = await db
		.insert(scoreSnapshot)
		.values({
			cycleId,
			computedAt: new Date(body.computedAt),
			configVersion: body.parameters.configVersion,
			ruleSetVersion: body.parameters.ruleSetVersion,
			status: 'live',
			exclusions,
			results: body,
			diff: base ? diffResults(base, body) : null,
			createdBy: actor.label,
			createdById: actor.id
		})
		.returning();
	await appendAudit(db, actor, {
		action: 'scores.snapshot.create',
		targetType: 'score_snapshot',
		targetId: row.id,
		cycleId,
		detail: { exclusions, configVersion: row.configVersion, units: body.items.length }
	});
	return summaryOf(row);
}

const PUBLISH_LOCK = 73_002;

/**
 * Freezes a snapshot as the cycle's published scores. A published snapshot is never changed
 * again (the update only matches unpublished rows); later results are new snapshots with a diff.
 */
export async function publishSnapshot(
	db: DbOrTx,
	actor: Actor,
	cycleId: number,
	snapshotId: number
): Promise<SnapshotSummary> {
	return db.transaction(async (tx) => {
		// One publication per cycle at a time, so each diff names the snapshot published before it.
		await tx.execute(sql`select pg_advisory_xact_lock(${PUBLISH_LOCK}::int, ${cycleId}::int)`);
		const row = await getSnapshot(tx, cycleId, snapshotId);
		if (row.status === 'published') throw new ConflictError('snapshot_already_published');
		const base = await latestPublished(tx, cycleId, row.exclusions);
		const now = new Date();
		const [done] = await tx
			.update(scoreSnapshot)
			.set({
				status: 'published',
				publishedAt: now,
				publishedBy: actor.label,
				diff: base ? diffResults(base, row.results) : null
			})
			.where(and(eq(scoreSnapshot.id, snapshotId), eq(scoreSnapshot.status, 'live')))
			.returning();
		if (!done) throw new ConflictError('snapshot_already_published');
		await appendAudit(tx, actor, {
			action: 'scores.snapshot.publish',
			targetType: 'score_snapshot',
			targetId: snapshotId,
			cycleId,
			detail: {
				exclusions: done.exclusions,
				previous: base?.id ?? null,
				changed: done.diff?.changed.length ?? null
			}
		});
		return summaryOf(done);
	});
}

/** Snapshots of a cycle, newest first, without their (large) results. */
export async function listSnapshots(db: DbOrTx, cycleId: number): Promise<SnapshotSummary[]> {
	const rows = await db
		.select({
			id: scoreSnapshot.id,
			cycleId: scoreSnapshot.cycleId,
			computedAt: scoreSnapshot.computedAt,
			configVersion: scoreSnapshot.configVersion,
			ruleSetVersion: scoreSnapshot.ruleSetVersion,
			status: scoreSnapshot.status,
			exclusions: scoreSnapshot.exclusions,
			diff: scoreSnapshot.diff,
			createdBy: scoreSnapshot.createdBy,
			createdById: scoreSnapshot.createdById,
			publishedAt: scoreSnapshot.publishedAt,
			publishedBy: scoreSnapshot.publishedBy
		})
		.from(scoreSnapshot)
		.where(eq(scoreSnapshot.cycleId, cycleId))
		.orderBy(desc(scoreSnapshot.id));
	return rows.map(summaryOf);
}

export async function getSnapshot(
	db: DbOrTx,
	cycleId: number,
	snapshotId: number
): Promise<ScoreSnapshot> {
	if (!Number.isSafeInteger(snapshotId) || snapshotId <= 0) {
		throw new NotFoundError('snapshot_not_found');
	}
	const [row] = await db
		.select()
		.from(scoreSnapshot)
		.where(and(eq(scoreSnapshot.id, snapshotId), eq(scoreSnapshot.cycleId, cycleId)));
	if (!row) throw new NotFoundError('snapshot_not_found');
	return row;
}
