import { date, index, integer, pgTable, text, timestamp } from 'drizzle-orm/pg-core';
import { bytea } from './auth';
import { survey } from './surveys';

/**
 * A person on a survey's roster (deputies, or service recipients when configured). It never links to
 * a submission: the roster learns only whether its code is gone (answered) and, stamped once a day
 * by a batch, the day it happened (DESIGN.md §5, §7).
 */
export const rosterEntry = pgTable(
	'roster_entries',
	{
		id: integer('id').primaryKey().generatedAlwaysAsIdentity(),
		surveyId: integer('survey_id')
			.notNull()
			.references(() => survey.id, { onDelete: 'cascade' }),
		groupCode: text('group_code').notNull(),
		subgroup: text('subgroup'),
		label: text('label').notNull(),
		organisation: text('organisation'),
		/** AES-GCM with the app key: needed to send the SMS, never stored or logged in clear. */
		phoneCipher: bytea('phone_cipher'),
		/** Keyed hash, to find duplicates on the roster. */
		phoneHash: text('phone_hash'),
		/** Keyed hash of the current code; the code itself is shown once and never stored. */
		codeHash: text('code_hash'),
		codeIssuedAt: timestamp('code_issued_at', { withTimezone: true }),
		codesRevoked: integer('codes_revoked').notNull().default(0),
		/** The day (Asia/Shanghai) the daily batch found the code used; never finer than a day. */
		answeredOn: date('answered_on', { mode: 'string' }),
		lastRemindedOn: date('last_reminded_on', { mode: 'string' }),
		remindersSent: integer('reminders_sent').notNull().default(0),
		createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow()
	},
	(t) => [
		index('roster_entries_survey_idx').on(t.surveyId),
		index('roster_entries_code_idx').on(t.codeHash)
	]
);

/**
 * Unused invitation codes. Submitting deletes the row in the same transaction that stores the
 * answers; the row names no person, and a deleted row leaves nothing an application query can see.
 */
export const invitationCode = pgTable('invitation_codes', {
	codeHash: text('code_hash').primaryKey(),
	surveyId: integer('survey_id')
		.notNull()
		.references(() => survey.id, { onDelete: 'cascade' }),
	groupCode: text('group_code').notNull(),
	subgroup: text('subgroup')
});

/** One-time SMS codes for the verified-phone identity tier. */
export const phoneVerification = pgTable(
	'phone_verifications',
	{
		id: integer('id').primaryKey().generatedAlwaysAsIdentity(),
		surveyId: integer('survey_id')
			.notNull()
			.references(() => survey.id, { onDelete: 'cascade' }),
		phoneHash: text('phone_hash').notNull(),
		codeHash: text('code_hash').notNull(),
		attempts: integer('attempts').notNull().default(0),
		expiresAt: timestamp('expires_at', { withTimezone: true }).notNull(),
		verifiedAt: timestamp('verified_at', { withTimezone: true }),
		createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow()
	},
	(t) => [index('phone_verifications_lookup_idx').on(t.surveyId, t.phoneHash)]
);

/** Reminder and delivery log (SMS sends), without phone numbers. */
export const deliveryLog = pgTable(
	'delivery_log',
	{
		id: integer('id').primaryKey().generatedAlwaysAsIdentity(),
		surveyId: integer('survey_id').notNull(),
		kind: text('kind').notNull(),
		recipients: integer('recipients').notNull(),
		provider: text('provider').notNull(),
		detail: text('detail'),
		at: timestamp('at', { withTimezone: true }).notNull().defaultNow()
	},
	(t) => [index('delivery_log_survey_idx').on(t.surveyId)]
);
