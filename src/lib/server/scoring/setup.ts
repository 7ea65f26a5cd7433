import { asc, eq } from 'drizzle-orm';
import type { DbOrTx } from '../db/client';
import { area, category, group, survey, unit, type Cycle } from '../db/schema';
import { getCycle } from '../cycles/cycles';
import type { MethodParameters } from '$lib/schemas/scores';
import type { SurveyDefinition } from '$lib/schemas/survey-definition';

/**
 * Everything about a cycle the scoring needs besides the answers: codes for the ids stored on
 * ratings, the category weights, group minimums, the area tree with populations and the units.
 */
export interface ScoringSetup {
	cycle: Cycle;
	categories: { id: number; code: string; name: string; weights: Record<string, number> }[];
	groups: { id: number; code: string; label: string; minValid: number }[];
	areas: { id: number; code: string; name: string; parent: string | null; population: number }[];
	units: {
		id: number;
		code: string;
		name: string;
		category: string;
		categoryName: string;
		area: string | null;
	}[];
	surveys: { id: number; slug: string; groups: string[]; scale: SurveyDefinition['scale'] }[];
	/** Highest rule-set version of the cycle's surveys; null without surveys. */
	ruleSetVersion: number | null;
	unitCode: Map<number, string>;
	groupCode: Map<number, string>;
	areaCode: Map<number, string>;
}

/** Five small reads of configuration tables; none touches `ratings`. */
export async function loadScoringSetup(db: DbOrTx, cycleId: number): Promise<ScoringSetup> {
	const c = await getCycle(db, cycleId);
	const cats = await db
		.select()
		.from(category)
		.where(eq(category.cycleId, cycleId))
		.orderBy(asc(category.sort), asc(category.code));
	const groups = await db
		.select()
		.from(group)
		.where(eq(group.cycleId, cycleId))
		.orderBy(asc(group.sort), asc(group.id));
	const areas = await db
		.select()
		.from(area)
		.where(eq(area.cycleId, cycleId))
		.orderBy(asc(area.sort), asc(area.id));
	const units = await db
		.select()
		.from(unit)
		.where(eq(unit.cycleId, cycleId))
		.orderBy(asc(unit.sort), asc(unit.code));
	const surveys = await db
		.select({
			id: survey.id,
			slug: survey.slug,
			definition: survey.definition,
			ruleSetVersion: survey.ruleSetVersion
		})
		.from(survey)
		.where(eq(survey.cycleId, cycleId))
		.orderBy(asc(survey.id));

	const areaCode = new Map(areas.map((a) => [a.id, a.code]));
	const catById = new Map(cats.map((k) => [k.id, k]));
	return {
		cycle: c,
		categories: cats.map((k) => ({ id: k.id, code: k.code, name: k.name, weights: k.weights })),
		groups: groups.map((g) => ({ id: g.id, code: g.code, label: g.label, minValid: g.minValid })),
		areas: areas.map((a) => ({
			id: a.id,
			code: a.code,
			name: a.name,
			parent: a.parentId ? (areaCode.get(a.parentId) ?? null) : null,
			population: a.population
		})),
		units: units.map((u) => ({
			id: u.id,
			code: u.code,
			name: u.name,
			category: catById.get(u.categoryId)?.code ?? '',
			categoryName: catById.get(u.categoryId)?.name ?? '',
			area: u.areaId ? (areaCode.get(u.areaId) ?? null) : null
		})),
		surveys: surveys.map((s) => ({
			id: s.id,
			slug: s.slug,
			groups: s.definition.groups ?? [],
			scale: s.definition.scale
		})),
		ruleSetVersion: surveys.length ? Math.max(...surveys.map((s) => s.ruleSetVersion)) : null,
		unitCode: new Map(units.map((u) => [u.id, u.code])),
		groupCode: new Map(groups.map((g) => [g.id, g.code])),
		areaCode
	};
}

export function methodParameters(setup: ScoringSetup): MethodParameters {
	return {
		configVersion: setup.cycle.configVersion,
		ruleSetVersion: setup.ruleSetVersion,
		config: setup.cycle.config,
		pointsMode: setup.cycle.pointsMode,
		fullPoints: setup.cycle.fullPoints,
		categories: setup.categories.map((k) => ({ code: k.code, name: k.name, weights: k.weights })),
		groups: setup.groups.map((g) => ({ code: g.code, label: g.label, minValid: g.minValid }))
	};
}
