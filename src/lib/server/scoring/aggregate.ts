import { and, asc, eq, inArray, sql } from 'drizzle-orm';
import type { DbOrTx } from '../db/client';
import { rating, ratingRollup, ratingRollupState, unit } from '../db/schema';
import { rowsOf } from '../db/rows';

/**
 * SQL aggregation of ratings (DESIGN.md §8). Every function here reads `ratings` at most once
 * (one GROUP BY scan, restricted to the cycle's units by a semi-join on the small `units` table)
 * or reads the roll-ups; none joins per rating row.
 *
 * Rating statuses: 0 accepted, 1 flagged, 2 quarantined, 3 excluded.
 */
export const STATUS_ACCEPTED = 0;
export const STATUS_FLAGGED = 1;
export const STATUS_QUARANTINED = 2;
export const STATUS_EXCLUDED = 3;

/** Statuses counted when exclusions are applied. */
export const COUNTED_STATUSES: readonly number[] = [STATUS_ACCEPTED, STATUS_FLAGGED];

/** One aggregated cell, still keyed by ids and split by status. */
export interface StatusCell {
	unitId: number;
	groupId: number;
	areaId: number | null;
	/** 0–100, or null for 不了解. */
	value: number | null;
	status: number;
	n: number;
	sumW: number;
	sumW2: number;
}

/** Rollup key columns cannot be null: these stand for "no area" and 不了解. */
export const NO_AREA = 0;
export const DONT_KNOW_VALUE = -1;

function cycleUnitIds(db: DbOrTx, cycleId: number) {
	return db.select({ id: unit.id }).from(unit).where(eq(unit.cycleId, cycleId));
}

/**
 * The full recompute: one scan of `ratings` grouped by unit, group, area, value and status.
 * Grouping by status (instead of filtering) lets one scan serve both exclusion modes and the
 * per-unit submitted/excluded counts. Weights are summed in double precision (they are stored
 * as `real`).
 */
export async function aggregateRatings(db: DbOrTx, cycleId: number): Promise<StatusCell[]> {
	const w = sql`${rating.weight}::float8`;
	const rows = await db
		.select({
			unitId: rating.unitId,
			groupId: rating.groupId,
			areaId: rating.areaId,
			value: rating.value,
			status: rating.status,
			n: sql<number>`count(*)::float8`.mapWith(Number),
			sumW: sql<number>`sum(${w})`.mapWith(Number),
			sumW2: sql<number>`sum(${w} * ${w})`.mapWith(Number)
		})
		.from(rating)
		.where(inArray(rating.unitId, cycleUnitIds(db, cycleId)))
		.groupBy(rating.unitId, rating.groupId, rating.areaId, rating.value, rating.status);
	return rows;
}

/** The same cells from the roll-ups (summed over days). Call `ensureRollups` first. */
export async function aggregateRollups(db: DbOrTx, cycleId: number): Promise<StatusCell[]> {
	const rows = await db
		.select({
			unitId: ratingRollup.unitId,
			groupId: ratingRollup.groupId,
			areaId: ratingRollup.areaId,
			value: ratingRollup.value,
			status: ratingRollup.status,
			n: sql<number>`sum(${ratingRollup.n})::float8`.mapWith(Number),
			sumW: sql<number>`sum(${ratingRollup.sumW})`.mapWith(Number),
			sumW2: sql<number>`sum(${ratingRollup.sumW2})`.mapWith(Number)
		})
		.from(ratingRollup)
		.where(eq(ratingRollup.cycleId, cycleId))
		.groupBy(
			ratingRollup.unitId,
			ratingRollup.groupId,
			ratingRollup.areaId,
			ratingRollup.value,
			ratingRollup.status
		);
	return rows.map((r) => ({
		...r,
		areaId: r.areaId === NO_AREA ? null : r.areaId,
		value: r.value === DONT_KNOW_VALUE ? null : r.value
	}));
}

interface Fingerprint {
	maxSubmissionId: number;
}

/**
 * The highest submission id of the cycle: new answers raise it (ids only grow); reviews do not, so
 * they mark the roll-ups stale. A backward scan of the primary key, not a count of the table.
 */
/**
 * The newest submission id of the whole table, as the roll-ups' watermark: one step down the primary
 * key, where a per-cycle max scanned every submission (200 ms at 1M). Submissions of other cycles
 * move it too; the incremental step then finds no ratings of this cycle in the range and only
 * advances the watermark.
 */
async function fingerprint(db: DbOrTx): Promise<Fingerprint> {
	const r = rowsOf<{ max_id: number | string }>(
		await db.execute(sql`select coalesce(max(id), 0)::float8 as max_id from submissions`)
	);
	return { maxSubmissionId: Number(r[0]?.max_id ?? 0) };
}

/** A full rebuild at least this often heals a submission that committed after a later one. */
const FULL_REBUILD_AFTER_MS = 10 * 60 * 1000;

/** Arbitrary first key of the advisory lock that serialises roll-up rebuilds of one cycle. */
const ROLLUP_LOCK = 73_001;

/**
 * Rebuilds the cycle's roll-ups from `ratings` in one INSERT … SELECT (one scan), in a
 * transaction under an advisory lock so that two rebuilds never interleave. The scan stops at the
 * watermark read before it: answers committed during the rebuild are added by the next incremental
 * step, once (the scan's own snapshot would otherwise count them twice).
 */
export async function refreshRollups(db: DbOrTx, cycleId: number): Promise<void> {
	await db.transaction(async (tx) => {
		await tx.execute(sql`select pg_advisory_xact_lock(${ROLLUP_LOCK}::int, ${cycleId}::int)`);
		const fp = await fingerprint(tx);
		await tx.delete(ratingRollup).where(eq(ratingRollup.cycleId, cycleId));
		await tx.execute(sql`
			insert into rating_rollups
				(cycle_id, unit_id, group_id, area_id, value, day, status, n, sum_w, sum_w2)
			select ${cycleId}::int, r.unit_id, r.group_id, coalesce(r.area_id, ${NO_AREA}::int),
				coalesce(r.value, ${DONT_KNOW_VALUE}::int), r.day, r.status, count(*)::int,
				sum(r.weight::float8), sum(r.weight::float8 * r.weight::float8)
			from ratings r
			where r.unit_id in (select u.id from units u where u.cycle_id = ${cycleId}::int)
				and r.submission_id <= ${fp.maxSubmissionId}
			group by 2, 3, 4, 5, 6, 7`);
		await saveState(tx, cycleId, fp.maxSubmissionId);
	});
}

async function saveState(db: DbOrTx, cycleId: number, maxSubmissionId: number) {
	const state = { refreshedAt: new Date(), submissions: 0, maxSubmissionId, stale: false };
	await db
		.insert(ratingRollupState)
		.values({ cycleId, ...state })
		.onConflictDoUpdate({ target: ratingRollupState.cycleId, set: state });
}

/**
 * Adds only the submissions that arrived since the last refresh (a range scan of the ratings
 * index), so a live dashboard during the evening rush does not rescan millions of ratings.
 */
async function addNewSubmissions(db: DbOrTx, cycleId: number, fromId: number) {
	await db.transaction(async (tx) => {
		await tx.execute(sql`select pg_advisory_xact_lock(${ROLLUP_LOCK}::int, ${cycleId}::int)`);
		const [state] = await tx
			.select()
			.from(ratingRollupState)
			.where(eq(ratingRollupState.cycleId, cycleId));
		// Someone else refreshed meanwhile: start from where they stopped.
		const from = Math.max(fromId, Number(state?.maxSubmissionId ?? 0));
		const fp = await fingerprint(tx);
		if (fp.maxSubmissionId <= from) return;
		await tx.execute(sql`
			insert into rating_rollups
				(cycle_id, unit_id, group_id, area_id, value, day, status, n, sum_w, sum_w2)
			select ${cycleId}::int, r.unit_id, r.group_id, coalesce(r.area_id, ${NO_AREA}::int),
				coalesce(r.value, ${DONT_KNOW_VALUE}::int), r.day, r.status, count(*)::int,
				sum(r.weight::float8), sum(r.weight::float8 * r.weight::float8)
			from ratings r
			where r.submission_id > ${from} and r.submission_id <= ${fp.maxSubmissionId}
				and r.unit_id in (select u.id from units u where u.cycle_id = ${cycleId}::int)
			group by 2, 3, 4, 5, 6, 7
			on conflict (cycle_id, unit_id, group_id, area_id, value, day, status) do update set
				n = rating_rollups.n + excluded.n,
				sum_w = rating_rollups.sum_w + excluded.sum_w,
				sum_w2 = rating_rollups.sum_w2 + excluded.sum_w2`);
		await tx
			.update(ratingRollupState)
			.set({ maxSubmissionId: fp.maxSubmissionId })
			.where(eq(ratingRollupState.cycleId, cycleId));
	});
}

/**
 * Brings the roll-ups up to date: nothing when fresh, only the new submissions when answers
 * arrived, a full rebuild after reviews (stale) or every few minutes. Returns whether it changed them.
 */
export async function ensureRollups(db: DbOrTx, cycleId: number): Promise<boolean> {
	const [state] = await db
		.select()
		.from(ratingRollupState)
		.where(eq(ratingRollupState.cycleId, cycleId));
	if (!state || state.stale || Date.now() - state.refreshedAt.getTime() > FULL_REBUILD_AFTER_MS) {
		await refreshRollups(db, cycleId);
		return true;
	}
	const fp = await fingerprint(db);
	if (fp.maxSubmissionId === Number(state.maxSubmissionId)) return false;
	await addNewSubmissions(db, cycleId, Number(state.maxSubmissionId));
	return true;
}

/**
 * For services that change rating statuses or weights (reviews, the retrospective pass): the
 * next live read rebuilds the roll-ups. Cheaper than `refreshRollups` inside a review transaction.
 */
export async function markRollupsStale(db: DbOrTx, cycleId: number): Promise<void> {
	await db
		.update(ratingRollupState)
		.set({ stale: true })
		.where(eq(ratingRollupState.cycleId, cycleId));
}

export async function rollupsRefreshedAt(db: DbOrTx, cycleId: number): Promise<Date | null> {
	const [state] = await db
		.select({ at: ratingRollupState.refreshedAt })
		.from(ratingRollupState)
		.where(eq(ratingRollupState.cycleId, cycleId));
	return state?.at ?? null;
}

export interface DayValueCount {
	day: string;
	value: number | null;
	n: number;
	sumW: number;
}

/** One unit's answers per day and level value from the roll-ups (for the trend chart). */
export async function dailyValueCounts(
	db: DbOrTx,
	cycleId: number,
	unitId: number,
	statuses: readonly number[]
): Promise<DayValueCount[]> {
	const rows = await db
		.select({
			day: ratingRollup.day,
			value: ratingRollup.value,
			n: sql<number>`sum(${ratingRollup.n})::float8`.mapWith(Number),
			sumW: sql<number>`sum(${ratingRollup.sumW})`.mapWith(Number)
		})
		.from(ratingRollup)
		.where(
			and(
				eq(ratingRollup.cycleId, cycleId),
				eq(ratingRollup.unitId, unitId),
				inArray(ratingRollup.status, [...statuses])
			)
		)
		.groupBy(ratingRollup.day, ratingRollup.value)
		.orderBy(asc(ratingRollup.day), asc(ratingRollup.value));
	return rows.map((r) => ({ ...r, value: r.value === DONT_KNOW_VALUE ? null : r.value }));
}

export interface ExclusionReasonCount {
	unitId: number;
	/** 2 quarantined, 3 excluded. */
	status: number;
	/** A reason code of the submission (e.g. `speed.hard`), or `unspecified`. */
	reason: string;
	n: number;
}

/**
 * Left-out answers per unit, status and reason code. Driven from the cycle's quarantined and
 * excluded submissions (few) through the ratings' submission index, so it does not scan
 * `ratings`. A submission with several reasons counts once under each.
 */
export async function exclusionReasons(
	db: DbOrTx,
	cycleId: number,
	unitId?: number
): Promise<ExclusionReasonCount[]> {
	const unitFilter = unitId === undefined ? sql`` : sql`and r.unit_id = ${unitId}::int`;
	const rows = rowsOf<{ unit_id: number; status: number; reason: string; n: number | string }>(
		await db.execute(sql`
			select r.unit_id, r.status, x.reason, count(*)::float8 as n
			from submissions s
			join ratings r on r.submission_id = s.id
			cross join lateral unnest(
				case when cardinality(s.reasons) = 0 then array['unspecified']::text[] else s.reasons end
			) as x(reason)
			where s.survey_id in (select v.id from surveys v where v.cycle_id = ${cycleId}::int)
				and s.status in ('quarantined', 'excluded')
				and r.status >= ${STATUS_QUARANTINED}::int
				${unitFilter}
			group by r.unit_id, r.status, x.reason
			order by r.unit_id, r.status, x.reason`)
	);
	return rows.map((r) => ({
		unitId: Number(r.unit_id),
		status: Number(r.status),
		reason: String(r.reason),
		n: Number(r.n)
	}));
}
