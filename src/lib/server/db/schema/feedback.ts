import {
	bigint,
	boolean,
	date,
	index,
	integer,
	jsonb,
	pgEnum,
	pgTable,
	text,
	timestamp,
	unique,
	type AnyPgColumn
} from 'drizzle-orm/pg-core';
import { bytea } from './auth';
import { cycle, unit } from './cycles';
import { scoreSnapshot } from './scores';
import { survey } from './surveys';

/**
 * Feedback and rectification (整改): results go back to the units and problems are tracked until
 * solved. `overdue` is not a stored status: it is derived from `deadline` when items are read.
 */

export const rectificationSourceEnum = pgEnum('rectification_source', [
	'low_score',
	'comment',
	'appeal',
	'manual'
]);
export const rectificationStatusEnum = pgEnum('rectification_status', [
	'open',
	'in_progress',
	'done',
	'verified'
]);
export const appealStatusEnum = pgEnum('appeal_status', ['pending', 'maintained', 'revised']);

/** Per-cycle feedback settings; a missing row means the defaults. */
export const feedbackSetting = pgTable('feedback_settings', {
	cycleId: integer('cycle_id')
		.primaryKey()
		.references(() => cycle.id, { onDelete: 'cascade' }),
	/** Comments reach units only after the office approves them (otherwise: once redacted). */
	requireApproval: boolean('require_approval').notNull().default(false),
	appealDays: integer('appeal_days').notNull().default(10),
	/**
	 * The cycle that holds this cycle's follow-up (回访) surveys. Kept apart so follow-up answers
	 * never enter the assessed cycle's scores, and so follow-ups still work after it is closed.
	 */
	followupCycleId: integer('followup_cycle_id').references((): AnyPgColumn => cycle.id, {
		onDelete: 'set null'
	}),
	updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow()
});

/** The configurable list of problem types (问题类型) of a cycle. */
export const problemType = pgTable(
	'problem_types',
	{
		id: integer('id').primaryKey().generatedAlwaysAsIdentity(),
		cycleId: integer('cycle_id')
			.notNull()
			.references(() => cycle.id, { onDelete: 'cascade' }),
		code: text('code').notNull(),
		name: text('name').notNull(),
		sort: integer('sort').notNull().default(0)
	},
	(t) => [unique('problem_types_cycle_code').on(t.cycleId, t.code)]
);

export const rectification = pgTable(
	'rectifications',
	{
		id: integer('id').primaryKey().generatedAlwaysAsIdentity(),
		cycleId: integer('cycle_id')
			.notNull()
			.references(() => cycle.id, { onDelete: 'cascade' }),
		unitId: integer('unit_id')
			.notNull()
			.references(() => unit.id, { onDelete: 'cascade' }),
		/** Liaisons are scoped by unit code (stable across cycles); copied here for the check. */
		unitCode: text('unit_code').notNull(),
		source: rectificationSourceEnum('source').notNull().default('manual'),
		sourceRef: text('source_ref'),
		typeCode: text('type_code').notNull(),
		description: text('description').notNull(),
		owner: text('owner').notNull(),
		plan: text('plan').notNull().default(''),
		deadline: date('deadline', { mode: 'string' }).notNull(),
		status: rectificationStatusEnum('status').notNull().default('open'),
		createdBy: text('created_by').notNull(),
		createdById: integer('created_by_id'),
		carriedFromId: integer('carried_from_id').references((): AnyPgColumn => rectification.id, {
			onDelete: 'set null'
		}),
		createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
		updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
		doneAt: timestamp('done_at', { withTimezone: true }),
		verifiedAt: timestamp('verified_at', { withTimezone: true }),
		verifiedBy: text('verified_by')
	},
	(t) => [
		index('rectifications_cycle_unit_idx').on(t.cycleId, t.unitCode),
		index('rectifications_carried_from_idx').on(t.carriedFromId)
	]
);

/** An item's history: creation, edits, status changes, notes, evidence, reminders, follow-ups. */
export const rectificationEvent = pgTable(
	'rectification_events',
	{
		id: bigint('id', { mode: 'number' }).primaryKey().generatedAlwaysAsIdentity(),
		rectificationId: integer('rectification_id')
			.notNull()
			.references(() => rectification.id, { onDelete: 'cascade' }),
		at: timestamp('at', { withTimezone: true }).notNull().defaultNow(),
		kind: text('kind').notNull(),
		fromStatus: rectificationStatusEnum('from_status'),
		toStatus: rectificationStatusEnum('to_status'),
		note: text('note'),
		detail: jsonb('detail').$type<Record<string, unknown>>(),
		actorLabel: text('actor_label').notNull(),
		actorId: integer('actor_id')
	},
	(t) => [index('rectification_events_item_idx').on(t.rectificationId, t.at)]
);

/** Evidence files: bytes in the database, or a content-addressed file under EVIDENCE_DIR. */
export const evidenceFile = pgTable(
	'evidence_files',
	{
		id: integer('id').primaryKey().generatedAlwaysAsIdentity(),
		rectificationId: integer('rectification_id')
			.notNull()
			.references(() => rectification.id, { onDelete: 'cascade' }),
		filename: text('filename').notNull(),
		/** From the file's own bytes (magic numbers), never from what the browser claimed. */
		mime: text('mime').notNull(),
		size: integer('size').notNull(),
		sha256: text('sha256').notNull(),
		data: bytea('data'),
		/** Relative to EVIDENCE_DIR. */
		path: text('path'),
		uploadedBy: text('uploaded_by').notNull(),
		uploadedById: integer('uploaded_by_id'),
		createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow()
	},
	(t) => [index('evidence_files_item_idx').on(t.rectificationId)]
);

export interface FollowupResult {
	/** Answers other than 不了解, counted (accepted or flagged) only. */
	n: number;
	nDontKnow: number;
	/** Mean of the level values (0–100); null without answers. */
	score: number | null;
	/** Share of answers worth ≥ 60. */
	satisfiedShare: number | null;
	levels: { value: number | null; n: number }[];
	countedAt: string;
}

/** A one-question follow-up survey (回访) on a done item, and its last counted result. */
export const followup = pgTable(
	'followups',
	{
		id: integer('id').primaryKey().generatedAlwaysAsIdentity(),
		rectificationId: integer('rectification_id')
			.notNull()
			.references(() => rectification.id, { onDelete: 'cascade' }),
		surveyId: integer('survey_id').references(() => survey.id, { onDelete: 'set null' }),
		surveySlug: text('survey_slug').notNull(),
		question: text('question').notNull(),
		result: jsonb('result').$type<FollowupResult>(),
		createdBy: text('created_by').notNull(),
		createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow()
	},
	(t) => [unique('followups_rectification').on(t.rectificationId)]
);

/** Aggregate figures the office answers an appeal with: never identities or single answers. */
export interface AppealEvidence {
	snapshotId: number | null;
	publishedAt: string | null;
	score: number | null;
	ci: [number, number] | null;
	rank: number | null;
	rankOf: number;
	nSubmitted: number;
	nExcluded: number;
	groups: { group: string; label: string; nValid: number; nDontKnow: number; nEff: number }[];
	exclusions: { status: string; reason: string; n: number }[];
	distribution: { group: string; value: number | null; n: number }[];
}

/** A unit's appeal (申诉复核) against its published result, and the office's answer. */
export const appeal = pgTable(
	'appeals',
	{
		id: integer('id').primaryKey().generatedAlwaysAsIdentity(),
		cycleId: integer('cycle_id')
			.notNull()
			.references(() => cycle.id, { onDelete: 'cascade' }),
		unitCode: text('unit_code').notNull(),
		snapshotId: integer('snapshot_id').references(() => scoreSnapshot.id, {
			onDelete: 'set null'
		}),
		reason: text('reason').notNull(),
		status: appealStatusEnum('status').notNull().default('pending'),
		response: text('response'),
		evidence: jsonb('evidence').$type<AppealEvidence>(),
		createdBy: text('created_by').notNull(),
		createdById: integer('created_by_id'),
		createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
		answeredBy: text('answered_by'),
		answeredAt: timestamp('answered_at', { withTimezone: true })
	},
	(t) => [index('appeals_cycle_unit_idx').on(t.cycleId, t.unitCode)]
);

export type FeedbackSetting = typeof feedbackSetting.$inferSelect;
export type ProblemType = typeof problemType.$inferSelect;
export type Rectification = typeof rectification.$inferSelect;
export type RectificationEvent = typeof rectificationEvent.$inferSelect;
export type EvidenceFile = typeof evidenceFile.$inferSelect;
export type Followup = typeof followup.$inferSelect;
export type Appeal = typeof appeal.$inferSelect;
