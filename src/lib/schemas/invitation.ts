import { z } from 'zod';
import { codeSchema } from './cycle';

const optionalText = (max: number) =>
	z
		.string({ error: 'must_be_text' })
		.trim()
		.max(max, { error: 'too_long' })
		.optional()
		.transform((v) => (v ? v : undefined));

/**
 * One person on a roster, as the API, the console form and a spreadsheet row give it. The subgroup
 * may be a code (`npc`) or its label (人大代表); the phone is checked by `normalisePhone`; the
 * service resolves both against the survey's group.
 */
export const rosterRowSchema = z.object({
	label: z
		.string({ error: (i) => (i.input === undefined ? 'required' : 'must_be_text') })
		.trim()
		.min(1, { error: 'required' })
		.max(100, { error: 'too_long' }),
	subgroup: optionalText(50),
	phone: optionalText(40),
	organisation: optionalText(200)
});
export type RosterRowInput = z.input<typeof rosterRowSchema>;
export type RosterRow = z.output<typeof rosterRowSchema>;

export const MAX_ROSTER_BATCH = 5000;

/**
 * `POST /api/v1/surveys/{slug}/invitations`: add people and issue their codes (`roster`), issue
 * `count` codes for entries without names, or issue codes to entries already on the roster that have
 * none (`unissued: true`, e.g. after a spreadsheet import in the console).
 */
export const createInvitationsSchema = z
	.object({
		group: codeSchema,
		subgroup: codeSchema.optional(),
		roster: z.array(rosterRowSchema).min(1, { error: 'required' }).max(MAX_ROSTER_BATCH).optional(),
		count: z.number().int().min(1).max(MAX_ROSTER_BATCH).optional(),
		unissued: z.literal(true).optional()
	})
	.refine((b) => [b.roster, b.count, b.unissued].filter((x) => x !== undefined).length === 1, {
		error: 'roster_or_count_required',
		path: ['roster']
	});
export type CreateInvitationsInput = z.infer<typeof createInvitationsSchema>;

export const remindersSchema = z.object({
	group: codeSchema.optional(),
	subgroup: codeSchema.optional(),
	/** Revoke each reminded person's code and send a new personal link instead of "use your slip". */
	reissue: z.boolean().optional()
});
export type RemindersInput = z.infer<typeof remindersSchema>;

/** `POST /api/v1/public/surveys/{slug}/phone-verification`. */
export const phoneVerificationRequestSchema = z.object({
	phone: z.string({ error: 'required' }).trim().min(1, { error: 'required' }).max(40)
});
