import { z } from 'zod';
import { cycleConfigSchema } from './cycle-config';

/** A missing field says `required`, like an empty one, rather than zod's English type message. */
const requiredString = () =>
	z.string({ error: (issue) => (issue.input === undefined ? 'required' : undefined) });

export const codeSchema = requiredString()
	.trim()
	.min(1, { error: 'required' })
	.max(50, { error: 'too_long' })
	.regex(/^[A-Za-z0-9][A-Za-z0-9_.-]*$/, { error: 'invalid_code' });

const name = requiredString().trim().min(1, { error: 'required' }).max(100, { error: 'too_long' });

export const pointsModes = ['proportional', 'category_relative', 'rank_step'] as const;
export const identities = ['link', 'invitation', 'phone'] as const;

export const cycleInputSchema = z.object({
	name,
	year: z.coerce
		.number()
		.int()
		.min(2000, { error: 'invalid_year' })
		.max(2100, { error: 'invalid_year' }),
	fullPoints: z.coerce.number().positive({ error: 'must_be_positive' }).max(1000).optional(),
	pointsMode: z.enum(pointsModes).optional(),
	config: cycleConfigSchema.optional()
});
export type CycleInput = z.infer<typeof cycleInputSchema>;

/** Tolerance for weights that come from spreadsheets as 0.333… */
export const WEIGHT_TOLERANCE = 1e-6;

export const weightsSchema = z
	.record(
		codeSchema,
		z.number().min(0, { error: 'weight_negative' }).max(1, { error: 'weight_above_1' })
	)
	.refine((w) => Object.keys(w).length > 0, { error: 'weights_required' })
	.refine((w) => Math.abs(Object.values(w).reduce((a, b) => a + b, 0) - 1) <= WEIGHT_TOLERANCE, {
		error: 'weights_must_sum_to_1'
	});

export const categoryInputSchema = z.object({
	code: codeSchema,
	name,
	weights: weightsSchema
});
export type CategoryInput = z.infer<typeof categoryInputSchema>;

export const groupInputSchema = z.object({
	code: codeSchema,
	label: name,
	identity: z.enum(identities).default('link'),
	minValid: z.coerce.number().int().min(0).max(100000).optional(),
	subgroups: z
		.array(z.object({ code: codeSchema, label: name }))
		.max(20)
		.optional()
});
export type GroupInput = z.infer<typeof groupInputSchema>;

export const areaInputSchema = z.object({
	code: codeSchema,
	name,
	parent: codeSchema.optional().nullable(),
	population: z.coerce
		.number({ error: 'must_be_number' })
		.int({ error: 'must_be_integer' })
		.min(0, { error: 'population_negative' })
		.max(100_000_000)
});
export type AreaInput = z.infer<typeof areaInputSchema>;

export const unitInputSchema = z.object({
	code: codeSchema,
	name,
	category: codeSchema,
	area: codeSchema.optional().nullable()
});
export type UnitInput = z.infer<typeof unitInputSchema>;

/** Cross-checks shared by the JSON import and the spreadsheet import. */
export function checkAreaTree(
	areas: { code: string; parent?: string | null }[],
	existing: Set<string> = new Set()
): { index: number; field: string; message: string }[] {
	const problems: { index: number; field: string; message: string }[] = [];
	const codes = new Map<string, number>();
	areas.forEach((a, i) => {
		if (codes.has(a.code) || existing.has(a.code)) {
			problems.push({ index: i, field: 'code', message: 'duplicate_code' });
		}
		codes.set(a.code, i);
	});
	const parentOf = new Map(areas.map((a) => [a.code, a.parent ?? null]));
	areas.forEach((a, i) => {
		if (!a.parent) return;
		if (!codes.has(a.parent) && !existing.has(a.parent)) {
			problems.push({ index: i, field: 'parent', message: 'unknown_parent_area' });
			return;
		}
		const seen = new Set<string>([a.code]);
		for (let p: string | null | undefined = a.parent; p; p = parentOf.get(p)) {
			if (seen.has(p)) {
				problems.push({ index: i, field: 'parent', message: 'area_cycle' });
				break;
			}
			seen.add(p);
		}
	});
	return problems;
}

export function duplicateCodes(items: { code: string }[]): number[] {
	const seen = new Set<string>();
	const dup: number[] = [];
	items.forEach((it, i) => {
		if (seen.has(it.code)) dup.push(i);
		seen.add(it.code);
	});
	return dup;
}
