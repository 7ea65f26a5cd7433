import { z } from 'zod';
import { codeSchema } from './cycle';
import {
	isCalendarDate,
	rectificationSources,
	rectificationStatuses
} from '$lib/feedback/rectification';

/**
 * Feedback and rectification (整改) inputs: the same schemas validate the unit portal's forms, the
 * console's forms and `/api/v1/units/{code}/rectifications`, `/api/v1/rectifications/{id}`.
 */

const text = (max: number) =>
	z
		.string({ error: (i) => (i.input === undefined ? 'required' : 'must_be_text') })
		.trim()
		.max(max, { error: 'too_long' });
const requiredText = (max: number) => text(max).min(1, { error: 'required' });

export const dateSchema = z
	.string({ error: (i) => (i.input === undefined ? 'required' : 'invalid_date') })
	.trim()
	.min(1, { error: 'required' })
	.refine(isCalendarDate, { error: 'invalid_date' });

export const rectificationInputSchema = z.object({
	typeCode: codeSchema,
	description: requiredText(2000),
	/** The responsible person (责任人), as the unit names them. */
	owner: requiredText(100),
	plan: text(4000).default(''),
	deadline: dateSchema,
	source: z.enum(rectificationSources, { error: 'invalid_source' }).default('manual'),
	/** What the item answers: `group:<code>` / `area:<code>` for low scores, a comment id, an appeal id. */
	sourceRef: text(200).optional(),
	/** API only: the cycle (default: the latest cycle that has the unit). */
	cycleId: z.coerce.number().int().positive().optional()
});
export type RectificationInput = z.infer<typeof rectificationInputSchema>;

export const rectificationPatchSchema = z
	.object({
		typeCode: codeSchema.optional(),
		description: requiredText(2000).optional(),
		owner: requiredText(100).optional(),
		plan: text(4000).optional(),
		deadline: dateSchema.optional(),
		status: z.enum(rectificationStatuses, { error: 'invalid_status' }).optional(),
		/** A progress note, kept in the item's history (with a status change, its reason). */
		note: text(2000).optional()
	})
	.refine((p) => Object.values(p).some((v) => v !== undefined && v !== ''), {
		error: 'nothing_to_change'
	});
export type RectificationPatch = z.infer<typeof rectificationPatchSchema>;

export const problemTypeInputSchema = z.object({
	code: codeSchema,
	name: requiredText(60)
});
export type ProblemTypeInput = z.infer<typeof problemTypeInputSchema>;

export const appealInputSchema = z.object({
	reason: text(4000).min(10, { error: 'reason_too_short' })
});

export const appealOutcomes = ['maintained', 'revised'] as const;
export type AppealOutcome = (typeof appealOutcomes)[number];

export const appealAnswerSchema = z.object({
	outcome: z.enum(appealOutcomes, { error: 'invalid_outcome' }),
	response: requiredText(4000)
});

export const moderationActions = ['show', 'hide'] as const;
export const moderateCommentSchema = z
	.object({
		action: z.enum(moderationActions, { error: 'invalid_action' }),
		reason: text(200).optional()
	})
	.refine((v) => v.action !== 'hide' || !!v.reason, {
		path: ['reason'],
		error: 'reason_required'
	});

export const feedbackSettingsSchema = z.object({
	/** Comments reach units only after someone in the office approves them. */
	requireApproval: z.coerce.boolean().default(false),
	/** Days after publication during which a unit may appeal its result. */
	appealDays: z.coerce
		.number({ error: 'must_be_integer' })
		.int({ error: 'must_be_integer' })
		.min(0, { error: 'must_be_positive' })
		.max(365, { error: 'too_large' })
});

export const followupInputSchema = z.object({
	/** The one question residents answer; a default names the unit and the problem type. */
	question: text(300).optional()
});

export const carryOverSchema = z.object({
	targetCycleId: z.coerce.number({ error: 'required' }).int().positive({ error: 'required' })
});
