import { z } from 'zod';
import { codeSchema } from './cycle';

export const channels = ['link', 'qr', 'push', 'sms', 'share', 'wechat', 'paper', 'other'] as const;
export type Channel = (typeof channels)[number];

export const MAX_COMMENT_LENGTH = 500;
export const MAX_TEXT_ANSWER_LENGTH = 500;

/**
 * The body of `POST /api/v1/public/surveys/{slug}/responses` (DESIGN.md §12). The form action builds
 * the same object from its fields and the importer from NDJSON lines; all three parse it here.
 * Shape only: what the survey allows (units, levels, groups, areas) is checked against the survey.
 */
export const responseInputSchema = z.object({
	submissionId: z.uuid({ error: 'invalid_submission_id' }),
	startToken: z.string().min(1, { error: 'required' }).max(400),
	altcha: z.string().max(4000).optional(),
	group: codeSchema,
	subgroup: codeSchema.optional(),
	area: codeSchema.optional(),
	invitationCode: z.string().trim().max(40).optional(),
	/** The verified-phone tier (a group whose identity is `phone`): the number and its SMS code. */
	phoneVerification: z
		.object({
			phone: z.string().trim().max(40),
			code: z.string().trim().max(20)
		})
		.optional(),
	unitCode: codeSchema.optional(),
	channel: z.enum(channels).optional(),
	serviceUse: z.enum(['yes', 'no']).optional(),
	ratings: z.record(codeSchema, codeSchema, { error: 'ratings_must_be_object' }),
	answers: z
		.record(
			codeSchema,
			z.union([z.string().max(MAX_TEXT_ANSWER_LENGTH * 4), z.array(codeSchema).max(20)])
		)
		.optional(),
	comments: z.record(codeSchema, z.string().max(MAX_COMMENT_LENGTH * 4)).optional(),
	/** Honeypot: a field people never see; anything in it means a form-filling robot. */
	website: z.string().max(1000).optional()
});
export type ResponseInput = z.infer<typeof responseInputSchema>;
