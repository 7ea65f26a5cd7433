import {
	bigint,
	boolean,
	date,
	doublePrecision,
	index,
	integer,
	jsonb,
	pgEnum,
	pgTable,
	primaryKey,
	smallint,
	text,
	timestamp
} from 'drizzle-orm/pg-core';
import { cycle } from './cycles';
import type { ScoresBody, SnapshotDiff } from '$lib/schemas/scores';

/**
 * Ratings summed per unit × group × area × level value × day × status (DESIGN.md §8): the live
 * dashboard reads these instead of scanning `ratings`. Rebuilt per cycle by `refreshRollups`.
 * Key columns cannot be null, so `area_id` 0 means "no area" and `value` −1 means 不了解.
 */
export const ratingRollup = pgTable(
	'rating_rollups',
	{
		cycleId: integer('cycle_id')
			.notNull()
			.references(() => cycle.id, { onDelete: 'cascade' }),
		unitId: integer('unit_id').notNull(),
		groupId: integer('group_id').notNull(),
		areaId: integer('area_id').notNull(),
		value: smallint('value').notNull(),
		day: date('day', { mode: 'string' }).notNull(),
		status: smallint('status').notNull(),
		n: integer('n').notNull(),
		sumW: doublePrecision('sum_w').notNull(),
		sumW2: doublePrecision('sum_w2').notNull()
	},
	(t) => [
		primaryKey({
			name: 'rating_rollups_pk',
			columns: [t.cycleId, t.unitId, t.groupId, t.areaId, t.value, t.day, t.status]
		})
	]
);

/**
 * What the roll-ups of a cycle were built from: the cycle's submission count and highest
 * submission id at the time. A different count or id, or `stale` (set after reviews change
 * statuses), means the roll-ups must be rebuilt before they are read.
 */
export const ratingRollupState = pgTable('rating_rollup_states', {
	cycleId: integer('cycle_id')
		.primaryKey()
		.references(() => cycle.id, { onDelete: 'cascade' }),
	refreshedAt: timestamp('refreshed_at', { withTimezone: true }).notNull(),
	submissions: bigint('submissions', { mode: 'number' }).notNull(),
	maxSubmissionId: bigint('max_submission_id', { mode: 'number' }).notNull(),
	stale: boolean('stale').notNull().default(false)
});

export const snapshotStatusEnum = pgEnum('score_snapshot_status', ['live', 'published']);
export const scoreExclusionsEnum = pgEnum('score_exclusions', ['applied', 'none']);

/**
 * Stored score computations. A published snapshot is frozen: the app never updates or deletes it,
 * and a later recomputation is a new snapshot whose `diff` says what changed.
 */
export const scoreSnapshot = pgTable(
	'score_snapshots',
	{
		id: integer('id').primaryKey().generatedAlwaysAsIdentity(),
		cycleId: integer('cycle_id')
			.notNull()
			.references(() => cycle.id, { onDelete: 'cascade' }),
		computedAt: timestamp('computed_at', { withTimezone: true }).notNull(),
		configVersion: integer('config_version').notNull(),
		/** Highest rule-set version of the cycle's surveys; null without surveys. */
		ruleSetVersion: integer('rule_set_version'),
		status: snapshotStatusEnum('status').notNull().default('live'),
		exclusions: scoreExclusionsEnum('exclusions').notNull().default('applied'),
		results: jsonb('results').$type<ScoresBody>().notNull(),
		/** Against the last published snapshot of the same mode; null when there is none. */
		diff: jsonb('diff').$type<SnapshotDiff>(),
		createdBy: text('created_by').notNull(),
		createdById: integer('created_by_id'),
		publishedAt: timestamp('published_at', { withTimezone: true }),
		publishedBy: text('published_by')
	},
	(t) => [index('score_snapshots_cycle_idx').on(t.cycleId, t.status)]
);

export type RatingRollup = typeof ratingRollup.$inferSelect;
export type ScoreSnapshot = typeof scoreSnapshot.$inferSelect;
