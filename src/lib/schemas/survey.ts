import { z } from 'zod';
import { codeSchema } from './cycle';

export const builtInScaleIds = ['ceping4', 'haoping5'] as const;
export type BuiltInScaleId = (typeof builtInScaleIds)[number];

const label = z.string().trim().min(1).max(40);

export const customScaleSchema = z.object({
	levels: z
		.array(z.object({ code: codeSchema, label, value: z.number().min(0).max(100) }))
		.min(2)
		.max(7),
	dontKnow: z.object({ code: codeSchema, label })
});
export type CustomScale = z.infer<typeof customScaleSchema>;

export const scaleSchema = z.union([z.enum(builtInScaleIds), customScaleSchema]);

export const questionTypes = ['single', 'multiple', 'text', 'instructed'] as const;

export const questionSchema = z
	.object({
		id: codeSchema,
		type: z.enum(questionTypes),
		text: z.string().trim().min(1, { error: 'required' }).max(500),
		required: z.boolean().default(false),
		options: z
			.array(z.object({ code: codeSchema, label: z.string().trim().min(1).max(100) }))
			.max(20)
			.optional(),
		/** For an instructed-response (attention) item: the option the respondent is told to pick. */
		expected: codeSchema.optional(),
		maxLength: z.number().int().min(1).max(2000).optional()
	})
	.superRefine((q, ctx) => {
		const needsOptions = q.type !== 'text';
		if (needsOptions && (!q.options || q.options.length < 2)) {
			ctx.addIssue({ code: 'custom', path: ['options'], message: 'options_required' });
		}
		if (
			q.type === 'instructed' &&
			(!q.expected || !q.options?.some((o) => o.code === q.expected))
		) {
			ctx.addIssue({ code: 'custom', path: ['expected'], message: 'expected_option_required' });
		}
	});
export type Question = z.infer<typeof questionSchema>;

export const accessModes = ['public', 'invitation'] as const;

export const unitSelectionSchema = z.union([
	z.literal('all'),
	z.array(codeSchema).min(1).max(500),
	z.object({ categories: z.array(codeSchema).min(1).max(50) })
]);

export const surveyInputSchema = z
	.object({
		slug: z
			.string()
			.trim()
			.min(3, { error: 'slug_too_short' })
			.max(60)
			.regex(/^[a-z0-9][a-z0-9-]*$/, { error: 'invalid_slug' }),
		title: z.string().trim().min(1, { error: 'required' }).max(200),
		description: z.string().trim().max(2000).optional(),
		groups: z.array(codeSchema).min(1, { error: 'groups_required' }).max(10),
		units: unitSelectionSchema.default('all'),
		scale: scaleSchema.default('ceping4'),
		questions: z.array(questionSchema).max(30).default([]),
		access: z.enum(accessModes).default('public'),
		/** Ask where the respondent lives (township → village), needed for post-stratification. */
		askArea: z.boolean().default(true),
		/** Ask service recipients whether they used the unit's service this year. */
		askServiceUse: z.boolean().default(true),
		unitComments: z.boolean().default(true),
		generalComment: z.boolean().default(true),
		opensAt: z.coerce.date().optional(),
		closesAt: z.coerce.date().optional()
	})
	.superRefine((s, ctx) => {
		if (s.opensAt && s.closesAt && s.closesAt <= s.opensAt) {
			ctx.addIssue({ code: 'custom', path: ['closesAt'], message: 'closes_before_opens' });
		}
		const ids = new Set<string>();
		s.questions.forEach((q, i) => {
			if (ids.has(q.id)) {
				ctx.addIssue({ code: 'custom', path: ['questions', i, 'id'], message: 'duplicate_code' });
			}
			ids.add(q.id);
		});
	});
export type SurveyInput = z.infer<typeof surveyInputSchema>;
