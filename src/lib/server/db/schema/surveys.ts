import {
	bigint,
	date,
	index,
	integer,
	jsonb,
	pgEnum,
	pgTable,
	real,
	smallint,
	text,
	timestamp,
	unique,
	uuid
} from 'drizzle-orm/pg-core';
import { bytea } from './auth';
import { cycle } from './cycles';
import type { SurveyDefinition } from '$lib/schemas/survey-definition';

export const surveyStatusEnum = pgEnum('survey_status', ['draft', 'published', 'closed']);
export const submissionStatusEnum = pgEnum('submission_status', [
	'accepted',
	'flagged',
	'quarantined',
	'excluded'
]);

export const survey = pgTable(
	'surveys',
	{
		id: integer('id').primaryKey().generatedAlwaysAsIdentity(),
		cycleId: integer('cycle_id')
			.notNull()
			.references(() => cycle.id, { onDelete: 'cascade' }),
		slug: text('slug').notNull().unique(),
		title: text('title').notNull(),
		/** The questionnaire; frozen at publish (only texts may change afterwards, logged). */
		definition: jsonb('definition').$type<SurveyDefinition>().notNull(),
		status: surveyStatusEnum('status').notNull().default('draft'),
		opensAt: timestamp('opens_at', { withTimezone: true }),
		closesAt: timestamp('closes_at', { withTimezone: true }),
		publishedAt: timestamp('published_at', { withTimezone: true }),
		closedAt: timestamp('closed_at', { withTimezone: true }),
		ruleSetVersion: integer('rule_set_version').notNull().default(1),
		/** Per-survey key of the keyed hashes (address prefix, device, phone); destroyed at cycle close. */
		hashKey: bytea('hash_key'),
		createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
		updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow()
	},
	(t) => [index('surveys_cycle_idx').on(t.cycleId)]
);

export const submission = pgTable(
	'submissions',
	{
		id: bigint('id', { mode: 'number' }).primaryKey().generatedAlwaysAsIdentity(),
		surveyId: integer('survey_id')
			.notNull()
			.references(() => survey.id, { onDelete: 'cascade' }),
		/** The client's idempotency key (`submissionId` in the API). */
		clientId: uuid('client_id').notNull(),
		receipt: text('receipt').notNull(),
		groupCode: text('group_code').notNull(),
		subgroup: text('subgroup'),
		areaCode: text('area_code'),
		entryUnit: text('entry_unit'),
		channel: text('channel'),
		source: text('source').notNull().default('live'),
		receivedAt: timestamp('received_at', { withTimezone: true }).notNull(),
		startedAt: timestamp('started_at', { withTimezone: true }),
		durationMs: integer('duration_ms'),
		powMs: integer('pow_ms'),
		identityTier: text('identity_tier').notNull().default('none'),
		ipPrefixHash: text('ip_prefix_hash'),
		deviceHash: text('device_hash'),
		phoneHash: text('phone_hash'),
		networkType: text('network_type'),
		networkScope: text('network_scope'),
		uaClass: text('ua_class'),
		status: submissionStatusEnum('status').notNull().default('accepted'),
		risk: smallint('risk').notNull().default(0),
		weight: real('weight').notNull().default(1),
		reasons: text('reasons').array().notNull().default([]),
		ruleSetVersion: integer('rule_set_version').notNull().default(1),
		/** The rating levels in survey order as one digit each (0 = don't know): near-duplicate checks. */
		pattern: text('pattern'),
		/** Non-rating answers: question id → option code(s) or text. */
		answers: jsonb('answers').$type<Record<string, string | string[]>>()
	},
	(t) => [
		unique('submissions_survey_client').on(t.surveyId, t.clientId),
		index('submissions_survey_received_idx').on(t.surveyId, t.receivedAt)
	]
);

/**
 * One row per unit rated. Group, area, status and weight are copied from the submission so a full
 * recompute is one scan of this table (DESIGN.md §8); `value` is null for 不了解 (don't know).
 */
export const rating = pgTable(
	'ratings',
	{
		submissionId: bigint('submission_id', { mode: 'number' }).notNull(),
		unitId: integer('unit_id').notNull(),
		groupId: integer('group_id').notNull(),
		areaId: integer('area_id'),
		level: smallint('level').notNull(),
		value: smallint('value'),
		status: smallint('status').notNull().default(0),
		day: date('day', { mode: 'string' }).notNull(),
		weight: real('weight').notNull().default(1)
	},
	(t) => [index('ratings_submission_idx').on(t.submissionId)]
);

export const comment = pgTable(
	'comments',
	{
		id: bigint('id', { mode: 'number' }).primaryKey().generatedAlwaysAsIdentity(),
		submissionId: bigint('submission_id', { mode: 'number' }).notNull(),
		surveyId: integer('survey_id').notNull(),
		/** null for the general comment. */
		unitId: integer('unit_id'),
		body: text('body').notNull(),
		redacted: text('redacted'),
		moderation: text('moderation').notNull().default('pending'),
		hiddenReason: text('hidden_reason'),
		createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow()
	},
	(t) => [
		index('comments_unit_idx').on(t.unitId),
		index('comments_submission_idx').on(t.submissionId)
	]
);

/** Single-use values already spent: start-token nonces and proof-of-work salts (pruned after 24 h). */
export const spentNonce = pgTable('spent_nonces', {
	nonce: text('nonce').primaryKey(),
	surveyId: integer('survey_id').notNull(),
	spentAt: timestamp('spent_at', { withTimezone: true }).notNull().defaultNow()
});

export type Survey = typeof survey.$inferSelect;
export type Submission = typeof submission.$inferSelect;
export type Rating = typeof rating.$inferSelect;
