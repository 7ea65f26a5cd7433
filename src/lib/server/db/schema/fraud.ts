import {
	bigint,
	index,
	integer,
	jsonb,
	pgTable,
	real,
	smallint,
	text,
	timestamp,
	unique
} from 'drizzle-orm/pg-core';
import { cycle } from './cycles';

/** Versioned anti-fraud thresholds of a cycle; a survey freezes the version it opened with. */
export const ruleSet = pgTable(
	'rule_sets',
	{
		id: integer('id').primaryKey().generatedAlwaysAsIdentity(),
		cycleId: integer('cycle_id')
			.notNull()
			.references(() => cycle.id, { onDelete: 'cascade' }),
		version: integer('version').notNull(),
		rules: jsonb('rules').$type<Record<string, unknown>>().notNull(),
		reason: text('reason').notNull(),
		createdBy: text('created_by').notNull(),
		createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow()
	},
	(t) => [unique('rule_sets_cycle_version').on(t.cycleId, t.version)]
);

/** Append-only: every decision about a submission, by the pipeline, a recheck or a reviewer. */
export const decision = pgTable(
	'decisions',
	{
		id: bigint('id', { mode: 'number' }).primaryKey().generatedAlwaysAsIdentity(),
		submissionId: bigint('submission_id', { mode: 'number' }).notNull(),
		ruleSetVersion: integer('rule_set_version').notNull(),
		action: text('action').notNull(),
		risk: smallint('risk').notNull().default(0),
		weight: real('weight').notNull().default(1),
		reasons: text('reasons').array().notNull().default([]),
		source: text('source').notNull(),
		actor: text('actor'),
		note: text('note'),
		at: timestamp('at', { withTimezone: true }).notNull().defaultNow()
	},
	(t) => [index('decisions_submission_idx').on(t.submissionId)]
);

/** Window detector findings per unit (volume surge with a top-box shift, template clusters, networks). */
export const alert = pgTable(
	'alerts',
	{
		id: integer('id').primaryKey().generatedAlwaysAsIdentity(),
		surveyId: integer('survey_id').notNull(),
		unitId: integer('unit_id'),
		detector: text('detector').notNull(),
		windowStart: timestamp('window_start', { withTimezone: true }).notNull(),
		windowEnd: timestamp('window_end', { withTimezone: true }).notNull(),
		observed: real('observed').notNull(),
		expected: real('expected').notNull(),
		evidence: jsonb('evidence').$type<Record<string, unknown>>().notNull(),
		createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow()
	},
	(t) => [
		unique('alerts_window').on(t.surveyId, t.unitId, t.detector, t.windowStart),
		index('alerts_survey_idx').on(t.surveyId)
	]
);

/** Long-running work (rechecks, imports, exports) with progress a page can poll. */
export const job = pgTable('jobs', {
	id: text('id').primaryKey(),
	kind: text('kind').notNull(),
	status: text('status').notNull().default('running'),
	progress: integer('progress').notNull().default(0),
	total: integer('total').notNull().default(0),
	result: jsonb('result').$type<Record<string, unknown>>(),
	error: text('error'),
	createdBy: text('created_by'),
	createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
	updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow()
});
