import { z } from 'zod';
import {
	areaInputSchema,
	categoryInputSchema,
	checkAreaTree,
	cycleInputSchema,
	groupInputSchema,
	unitInputSchema
} from './cycle';
import { surveyInputSchema } from './survey';

/**
 * A whole cycle as one JSON document (DESIGN.md §12): `POST /api/v1/cycles/import` takes it and
 * `GET /api/v1/cycles/{id}/export` returns it, so "copy last year" is export → edit → import.
 */
export const cycleDocumentSchema = z
	.object({
		cycle: cycleInputSchema,
		categories: z.array(categoryInputSchema).max(100).default([]),
		groups: z.array(groupInputSchema).max(20).default([]),
		areas: z.array(areaInputSchema).max(5000).default([]),
		units: z.array(unitInputSchema).max(2000).default([]),
		surveys: z.array(surveyInputSchema).max(100).default([])
	})
	.superRefine((doc, ctx) => {
		const issue = (path: (string | number)[], message: string) =>
			ctx.addIssue({ code: 'custom', path, message });
		const groupCodes = new Set(doc.groups.map((g) => g.code));
		const categoryCodes = new Set(doc.categories.map((c) => c.code));
		const areaCodes = new Set(doc.areas.map((a) => a.code));
		const unitCodes = new Set(doc.units.map((u) => u.code));
		for (const [list, key] of [
			[doc.categories, 'categories'],
			[doc.groups, 'groups'],
			[doc.units, 'units'],
			[doc.surveys.map((s) => ({ code: s.slug })), 'surveys']
		] as const) {
			const seen = new Set<string>();
			list.forEach((item, i) => {
				if (seen.has(item.code)) {
					issue([key, i, key === 'surveys' ? 'slug' : 'code'], 'duplicate_code');
				}
				seen.add(item.code);
			});
		}
		doc.categories.forEach((c, i) => {
			for (const g of Object.keys(c.weights)) {
				if (!groupCodes.has(g)) issue(['categories', i, 'weights', g], 'unknown_group');
			}
		});
		for (const p of checkAreaTree(doc.areas)) issue(['areas', p.index, p.field], p.message);
		doc.units.forEach((u, i) => {
			if (!categoryCodes.has(u.category)) issue(['units', i, 'category'], 'unknown_category');
			if (u.area && !areaCodes.has(u.area)) issue(['units', i, 'area'], 'unknown_area');
		});
		doc.surveys.forEach((s, i) => {
			s.groups.forEach((g, j) => {
				if (!groupCodes.has(g)) issue(['surveys', i, 'groups', j], 'unknown_group');
			});
			if (Array.isArray(s.units)) {
				s.units.forEach((u, j) => {
					if (!unitCodes.has(u)) issue(['surveys', i, 'units', j], 'unknown_unit');
				});
			}
		});
	});

export type CycleDocument = z.infer<typeof cycleDocumentSchema>;
export type CycleDocumentInput = z.input<typeof cycleDocumentSchema>;
