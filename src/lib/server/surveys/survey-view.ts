import { asc, eq } from 'drizzle-orm';
import type { DbOrTx } from '../db/client';
import { area, category, group, survey, unit, type Survey } from '../db/schema';
import { NotFoundError } from '../errors';
import { builtInScales, DONT_KNOW_CODE, type LocalizedLabel } from '$lib/scoring/scales';
import type { Question } from '$lib/schemas/survey';

export interface ViewScaleLevel {
	code: string;
	value: number;
	label: LocalizedLabel;
}

/**
 * Everything the respondent page and the submit pipeline need to know about one survey, resolved
 * once: units with their ids, groups, areas, the scale's levels. Cached briefly per process, so
 * the evening rush does not reload the questionnaire for every answer.
 */
export interface SurveyView {
	survey: Survey;
	cycleId: number;
	units: { id: number; code: string; name: string; category: string; categoryName: string }[];
	unitByCode: Map<string, { id: number; index: number }>;
	groups: {
		id: number;
		code: string;
		label: string;
		identity: 'link' | 'invitation' | 'phone';
		subgroups: { code: string; label: string }[];
	}[];
	areas: { id: number; code: string; name: string; parentCode: string | null }[];
	areaByCode: Map<string, number>;
	levels: ViewScaleLevel[];
	dontKnow: { code: string; label: LocalizedLabel };
	questions: Question[];
}

const TTL_MS = 3_000;
const cache = new Map<string, { at: number; view: SurveyView }>();

export function forgetSurveyView(slug?: string): void {
	if (slug) cache.delete(slug);
	else cache.clear();
}

export async function loadSurveyView(
	db: DbOrTx,
	slug: string,
	now = Date.now()
): Promise<SurveyView> {
	const hit = cache.get(slug);
	if (hit && now - hit.at < TTL_MS) return hit.view;
	if (typeof slug !== 'string' || slug.length > 60) throw new NotFoundError('survey_not_found');
	const [s] = await db.select().from(survey).where(eq(survey.slug, slug));
	if (!s) throw new NotFoundError('survey_not_found');
	const allUnits = await db
		.select({
			id: unit.id,
			code: unit.code,
			name: unit.name,
			category: category.code,
			categoryName: category.name
		})
		.from(unit)
		.innerJoin(category, eq(unit.categoryId, category.id))
		.where(eq(unit.cycleId, s.cycleId))
		.orderBy(asc(category.sort), asc(unit.sort), asc(unit.code));
	const def = s.definition;
	let units = allUnits;
	if (def.frozenUnits) {
		const byCode = new Map(allUnits.map((u) => [u.code, u]));
		units = def.frozenUnits
			.map((c) => byCode.get(c))
			.filter((u): u is (typeof allUnits)[number] => !!u);
	} else if (Array.isArray(def.units)) {
		const wanted = new Set(def.units);
		units = allUnits.filter((u) => wanted.has(u.code));
	} else if (def.units !== 'all') {
		const cats = new Set(def.units.categories);
		units = allUnits.filter((u) => cats.has(u.category));
	}
	const groupRows = await db
		.select()
		.from(group)
		.where(eq(group.cycleId, s.cycleId))
		.orderBy(asc(group.sort), asc(group.id));
	const groups = def.groups
		.map((code) => groupRows.find((g) => g.code === code))
		.filter((g): g is (typeof groupRows)[number] => !!g)
		.map((g) => ({
			id: g.id,
			code: g.code,
			label: g.label,
			identity: g.identity,
			subgroups: g.subgroups
		}));
	const areaRows = await db
		.select()
		.from(area)
		.where(eq(area.cycleId, s.cycleId))
		.orderBy(asc(area.sort), asc(area.id));
	const codeOfArea = new Map(areaRows.map((a) => [a.id, a.code]));
	const areas = areaRows.map((a) => ({
		id: a.id,
		code: a.code,
		name: a.name,
		parentCode: a.parentId ? (codeOfArea.get(a.parentId) ?? null) : null
	}));
	const scale =
		typeof def.scale === 'string'
			? builtInScales[def.scale]
			: {
					levels: def.scale.levels.map((l) => ({ ...l, label: { zh: l.label, en: l.label } })),
					dontKnow: {
						code: def.scale.dontKnow.code,
						label: { zh: def.scale.dontKnow.label, en: def.scale.dontKnow.label }
					}
				};
	const view: SurveyView = {
		survey: s,
		cycleId: s.cycleId,
		units,
		unitByCode: new Map(units.map((u, index) => [u.code, { id: u.id, index }])),
		groups,
		areas,
		areaByCode: new Map(areas.map((a) => [a.code, a.id])),
		levels: scale.levels.map((l) => ({ code: l.code, value: l.value, label: l.label })),
		dontKnow: scale.dontKnow ?? { code: DONT_KNOW_CODE, label: { zh: '不了解', en: "Don't know" } },
		questions: def.questions
	};
	cache.set(slug, { at: now, view });
	return view;
}

export type SurveyState = 'open' | 'draft' | 'not_yet_open' | 'closed';

export function surveyState(s: Survey, now = new Date()): SurveyState {
	if (s.status === 'draft') return 'draft';
	if (s.status === 'closed' || (s.closesAt && s.closesAt <= now)) return 'closed';
	if (s.opensAt && s.opensAt > now) return 'not_yet_open';
	return 'open';
}
