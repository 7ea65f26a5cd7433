import { defaultCycleConfig, type CycleConfig } from '$lib/schemas/cycle-config';
import { cleanCells, cmp, type AnswerCell, type CleanCell } from './cells';
import { combineGroups } from './composite';
import { estimateGroup, type GroupEstimate, type ValueCell } from './group-estimate';
import { normalInterval, zForConfidence } from './intervals';
import { defaultScoringParameters, type PointsMode, type ScoringParameters } from './parameters';
import { computePoints } from './points';
import { postStratify, type StratumInput } from './post-stratification';
import { rankCategory } from './ranking';

/** A unit being scored. */
export interface UnitSpec {
	code: string;
	category: string;
	/**
	 * The unit's own area (a township or street). Its residents are post-stratified to the areas
	 * directly below it (villages/communities). Units without an area (departments) post-stratify
	 * to the top-level areas (townships).
	 */
	area?: string | null;
	/** Passed through to the result: submissions received / excluded for the unit. */
	nSubmitted?: number | null;
	nExcluded?: number | null;
	/** Closed-roster size per group for this unit; overrides the group's `rosterSize`. */
	rosterSizes?: Readonly<Record<string, number | null>>;
}

/** A category of comparable units (同类单位) with its group weights (group code → weight). */
export interface CategorySpec {
	code: string;
	weights: Readonly<Record<string, number>>;
}

export interface GroupSpec {
	code: string;
	/** Minimum n_eff for the group to count; defaults from the scoring parameters (30/30/15). */
	minValid?: number | null;
	/** Size of the group's closed roster (e.g. deputies), for the FPC and the roster-share minimum. */
	rosterSize?: number | null;
	/** Post-stratify this group to area populations; default: residents only. */
	postStratify?: boolean;
}

export interface AreaSpec {
	code: string;
	parent?: string | null;
	/** Registered population; 0 or null means unknown. */
	population: number | null;
}

export interface PointsSpec {
	mode: PointsMode;
	/** Points of a perfect score (default 10). */
	fullPoints: number;
}

export interface ScoringInput {
	/** Aggregated answers (see `AnswerCell`); use `rowsToCells` to start from single answers. */
	cells: readonly AnswerCell[];
	/** Every unit to report, including units without answers. */
	units: readonly UnitSpec[];
	categories: readonly CategorySpec[];
	groups?: readonly GroupSpec[];
	areas?: readonly AreaSpec[];
	/** The cycle's methodology parameters; defaults to `defaultCycleConfig()`. */
	config?: CycleConfig;
	points?: Partial<PointsSpec>;
	parameters?: Partial<ScoringParameters>;
}

export interface StratumResult {
	code: string;
	/** Areas merged into this stratum. */
	members: string[];
	population: number | null;
	/** Answers in the stratum. */
	n: number;
	/** Population share targeted (0–1) and final weight share after trimming (0–1). */
	targetShare: number;
	share: number;
	/** Weight of each answer relative to the mean weight (for unweighted answers), e.g. 3.6167. */
	weight: number;
	/** Kept its sample share: no population known, or answers from outside the area frame. */
	selfRepresenting: boolean;
}

export interface GroupScore {
	group: string;
	/** The category's configured weight for the group (0 when it has none). */
	weight: number;
	/** The weight used in the composite after renormalisation (0 when not used). */
	appliedWeight: number;
	used: boolean;
	/** n_eff reaches the minimum. */
	qualifies: boolean;
	/** The minimum n_eff that applied (after the roster-share rule). */
	minimum: number;
	/** Group score 0–100 (post-stratified when applicable); null without answers. */
	score: number | null;
	/** The same without post-stratification (base weights only). */
	scoreUnadjusted: number | null;
	/** Satisfaction rate 0–1 and its Wilson interval. */
	rate: number | null;
	rateCi: [number, number] | null;
	/** SE of the score in points and score ± z·SE (0–100); null when not estimable. */
	se: number | null;
	ci: [number, number] | null;
	nValid: number;
	nDontKnow: number;
	/** nDontKnow / (nValid + nDontKnow), 0–1; null without answers. */
	dkShare: number | null;
	nEff: number;
	rosterSize: number | null;
	/** Finite-population correction applied to the SE (1 = none). */
	fpc: number;
	/** Post-stratification strata; null when the group is not post-stratified. */
	strata: StratumResult[] | null;
	/** Group-level flag codes (the unit's flags carry them with a `:group` suffix). */
	flags: string[];
}

export interface UnitScore {
	unit: string;
	category: string;
	/** Composite score S = Σ W_g S_g, 0–100, unrounded; null when no group has answers. */
	score: number | null;
	/** The composite with the same weights but without post-stratification. */
	scoreUnadjusted: number | null;
	/** Σ W_g P_g over the groups used, 0–1. */
	satisfactionRate: number | null;
	/** Don't-know answers over all answers of the unit, 0–1, pooled over groups. */
	dkShare: number | null;
	nSubmitted: number | null;
	nExcluded: number | null;
	/** Non-don't-know answers, summed over all groups reported. */
	nValid: number;
	nDontKnow: number;
	/** Kish effective sizes summed over all groups reported. */
	nEff: number;
	/** score ± z·se (0–100); null when the SE is unknown. */
	ci: [number, number] | null;
	/** sqrt(Σ W_g² SE_g²) in points; null when some used group has no SE. */
	se: number | null;
	rankable: boolean;
	/** Competition rank within the category; null when not rankable. */
	rank: number | null;
	/** Number of ranked units in the category. */
	rankOf: number;
	/** Assessment points from the unrounded score; null when not rankable. */
	points: number | null;
	/** 末位 with a CI upper bound below the category mean. */
	bottom: boolean;
	flags: string[];
	groups: GroupScore[];
}

export interface CategorySummary {
	category: string;
	nUnits: number;
	nRanked: number;
	/** Mean score of the ranked units (0–100), the reference of the 末位 rule. */
	mean: number | null;
}

export interface ScoringResult {
	/** Sorted by category, rank (unranked last) and unit code. */
	units: UnitScore[];
	categories: CategorySummary[];
	/** Problems not tied to one unit, e.g. `unknown_unit:X`, `duplicate_unit:X`. */
	flags: string[];
}

/**
 * Stratum code under which a group's answers without a usable area (none given, unknown, or
 * outside the township being scored) are reported.
 */
export const OUTSIDE_FRAME_STRATUM = '(outside)';

interface AreaIndex {
	parent: Map<string, string | null>;
	population: Map<string, number | null>;
}

function indexAreas(areas: readonly AreaSpec[]): AreaIndex {
	const parent = new Map<string, string | null>();
	const population = new Map<string, number | null>();
	for (const a of [...areas].sort((x, y) => cmp(x.code, y.code))) {
		if (parent.has(a.code)) continue;
		parent.set(a.code, a.parent ?? null);
		population.set(a.code, a.population);
	}
	return { parent, population };
}

/** Ancestors of an area, itself first; stops at a cycle in the tree. */
function chainOf(areas: AreaIndex, code: string): string[] {
	const chain: string[] = [];
	const seen = new Set<string>();
	for (let c: string | null = code; c !== null && !seen.has(c); c = areas.parent.get(c) ?? null) {
		seen.add(c);
		chain.push(c);
		if (!areas.parent.has(c)) break;
	}
	return chain;
}

type Placement =
	| { kind: 'stratum'; code: string; parent: string | null }
	| { kind: 'unknown' }
	| { kind: 'outside' };

function placeAnswer(areas: AreaIndex, area: string | null, unitArea: string | null): Placement {
	if (area === null || !areas.parent.has(area)) return { kind: 'unknown' };
	const chain = chainOf(areas, area);
	if (unitArea === null) return { kind: 'stratum', code: chain[chain.length - 1], parent: null };
	const i = chain.indexOf(unitArea);
	if (i <= 0) return { kind: 'outside' };
	return { kind: 'stratum', code: chain[i - 1], parent: unitArea };
}

function toValueCells(cells: readonly CleanCell[]): ValueCell[] {
	return cells
		.filter((c): c is CleanCell & { value: number } => c.value !== null)
		.map((c) => ({ value: c.value, n: c.n, sumW: c.sumW, sumW2: c.sumW2 }));
}

function finiteOr(x: number | null | undefined, fallback: number): number {
	return x !== null && x !== undefined && Number.isFinite(x) ? x : fallback;
}

function usableRoster(x: number | null | undefined): number | null {
	return x !== null && x !== undefined && Number.isFinite(x) && x > 0 ? x : null;
}

interface Settings {
	z: number;
	threshold: number;
	postStratification: CycleConfig['postStratification'];
	params: ScoringParameters;
	rosterMinShare: number;
	areas: AreaIndex;
	groupSpecs: Map<string, GroupSpec>;
}

function scoreGroup(
	group: string,
	weight: number,
	cells: readonly CleanCell[],
	unit: UnitSpec,
	s: Settings
): GroupScore {
	const flags: string[] = [];
	const spec = s.groupSpecs.get(group);
	const nDontKnow = cells.filter((c) => c.value === null).reduce((t, c) => t + c.n, 0);
	const values = toValueCells(cells);
	const nValid = values.reduce((t, c) => t + c.n, 0);
	const rosterSize = usableRoster(
		unit.rosterSizes && group in unit.rosterSizes ? unit.rosterSizes[group] : spec?.rosterSize
	);
	const baseMin = Math.max(
		0,
		finiteOr(spec?.minValid, s.params.groupMinimums[group] ?? s.params.defaultMinValid)
	);
	const minimum = rosterSize === null ? baseMin : Math.min(baseMin, s.rosterMinShare * rosterSize);
	const options = { satisfiedThreshold: s.threshold, z: s.z, rosterSize };

	const postStratifyThis =
		s.postStratification.enabled &&
		(spec?.postStratify ?? s.params.postStratifiedGroups.includes(group));

	const unadjusted = estimateGroup([{ cells: values, factor: 1 }], options);
	let estimate: GroupEstimate | null = unadjusted;
	let strata: StratumResult[] | null = null;

	if (postStratifyThis && nValid > 0) {
		const byStratum = new Map<string, StratumInput & { cells: ValueCell[] }>();
		const unitArea = unit.area ?? null;
		for (const c of cells) {
			if (c.value === null) continue;
			const place = placeAnswer(s.areas, c.area, unitArea);
			if (place.kind === 'unknown' && !flags.includes('unknown_area')) flags.push('unknown_area');
			if (place.kind === 'outside' && !flags.includes('outside_unit_area')) {
				flags.push('outside_unit_area');
			}
			const code = place.kind === 'stratum' ? place.code : OUTSIDE_FRAME_STRATUM;
			let st = byStratum.get(code);
			if (!st) {
				st = {
					code,
					parent: place.kind === 'stratum' ? place.parent : null,
					population: place.kind === 'stratum' ? (s.areas.population.get(code) ?? null) : null,
					outsideFrame: place.kind !== 'stratum',
					cells: []
				};
				byStratum.set(code, st);
			}
			st.cells.push({ value: c.value, n: c.n, sumW: c.sumW, sumW2: c.sumW2 });
		}
		for (const st of [...byStratum.values()].sort((a, b) => cmp(a.code, b.code))) {
			const pop = st.population;
			if (!st.outsideFrame && !(pop !== null && Number.isFinite(pop) && pop > 0)) {
				flags.push(`no_population:${st.code}`);
			}
		}
		const ps = postStratify([...byStratum.values()], {
			minStratumSize: s.postStratification.minStratumSize,
			weightCap: s.postStratification.weightCap,
			weightFloor: s.postStratification.weightFloor
		});
		if (ps.collapsed) flags.push('strata_collapsed');
		if (ps.trimmed) flags.push('weights_trimmed');
		estimate = estimateGroup(ps.strata, options);
		strata = ps.strata.map((st) => ({
			code: st.code,
			members: st.members,
			population: st.population,
			n: st.n,
			targetShare: st.targetShare,
			share: st.share,
			weight: st.factor,
			selfRepresenting: st.selfRepresenting
		}));
	}

	if (nValid === 0 && nDontKnow === 0) flags.push('no_data');
	if (nValid === 0 && nDontKnow > 0) flags.push('all_dont_know');
	if (nValid > 0 && estimate === null) flags.push('zero_weight');
	if (nValid === 1) flags.push('single_answer');
	else if (estimate !== null && estimate.se === null) flags.push('se_unavailable');
	if (estimate?.varianceFallback && nValid > 1) flags.push('variance_pooled');
	if (rosterSize !== null && nValid > rosterSize) flags.push('roster_exceeded');

	const qualifies = estimate !== null && nValid > 0 && estimate.nEff >= minimum - 1e-9;
	const total = nValid + nDontKnow;
	return {
		group,
		weight,
		appliedWeight: 0,
		used: false,
		qualifies,
		minimum,
		score: estimate?.score ?? null,
		scoreUnadjusted: unadjusted?.score ?? null,
		rate: estimate?.rate ?? null,
		rateCi: estimate?.rateCi ?? null,
		se: estimate?.se ?? null,
		ci: estimate?.ci ?? null,
		nValid,
		nDontKnow,
		dkShare: total > 0 ? nDontKnow / total : null,
		nEff: estimate?.nEff ?? 0,
		rosterSize,
		fpc: estimate?.fpc ?? 1,
		strata,
		flags
	};
}

/** Group flags that the unit carries without the group suffix (they name an area already). */
function unitFlagOf(flag: string, group: string): string {
	return flag.includes(':') ? flag : `${flag}:${group}`;
}

function pushUnique(list: string[], flag: string): void {
	if (!list.includes(flag)) list.push(flag);
}

/**
 * Scores every unit of a cycle: group estimates (with post-stratification of residents),
 * composites with the category's weights, rankability, ranks within each category, the 末位 rule
 * and assessment points.
 *
 * Never throws and never returns NaN or Infinity: missing data turns into null figures with flags.
 * The result does not depend on the order of any input list.
 */
export function computeScores(input: ScoringInput): ScoringResult {
	const config = input.config ?? defaultCycleConfig();
	const defaults = defaultCycleConfig();
	const params: ScoringParameters = { ...defaultScoringParameters(), ...input.parameters };
	const globalFlags: string[] = [];

	const settings: Settings = {
		z: zForConfidence(config.confidenceLevel),
		threshold: finiteOr(config.satisfiedThreshold, defaults.satisfiedThreshold),
		postStratification: {
			enabled: config.postStratification?.enabled ?? true,
			minStratumSize: finiteOr(
				config.postStratification?.minStratumSize,
				defaults.postStratification.minStratumSize
			),
			weightCap: finiteOr(
				config.postStratification?.weightCap,
				defaults.postStratification.weightCap
			),
			weightFloor: finiteOr(
				config.postStratification?.weightFloor,
				defaults.postStratification.weightFloor
			)
		},
		params,
		rosterMinShare: finiteOr(config.rosterMinShare, defaults.rosterMinShare),
		areas: indexAreas(input.areas ?? []),
		groupSpecs: new Map()
	};
	for (const g of [...(input.groups ?? [])].sort((a, b) => cmp(a.code, b.code))) {
		if (!settings.groupSpecs.has(g.code)) settings.groupSpecs.set(g.code, g);
	}
	const minGroupsRule = Math.max(0, finiteOr(config.rankable?.minGroups, 2));
	const minValidRule = Math.max(0, finiteOr(config.rankable?.minValid, 60));
	const decimals = Math.max(0, Math.min(10, Math.round(finiteOr(config.rankDecimals, 2))));

	const categories = new Map<string, CategorySpec>();
	for (const c of [...input.categories].sort((a, b) => cmp(a.code, b.code))) {
		if (!categories.has(c.code)) categories.set(c.code, c);
	}
	const units = new Map<string, UnitSpec>();
	for (const u of [...input.units].sort(
		(a, b) => cmp(a.code, b.code) || cmp(a.category, b.category)
	)) {
		if (units.has(u.code)) pushUnique(globalFlags, `duplicate_unit:${u.code}`);
		else units.set(u.code, u);
	}

	const { cells, invalid } = cleanCells(input.cells);
	const cellsByUnit = new Map<string, CleanCell[]>();
	for (const c of cells) {
		if (!units.has(c.unit)) {
			pushUnique(globalFlags, `unknown_unit:${c.unit}`);
			continue;
		}
		const list = cellsByUnit.get(c.unit) ?? [];
		list.push(c);
		cellsByUnit.set(c.unit, list);
	}
	const invalidUnits = new Set(invalid.map((c) => c.unit));

	const results: UnitScore[] = [];
	for (const unit of units.values()) {
		const flags: string[] = [];
		const category = categories.get(unit.category);
		if (!category) flags.push(`unknown_category:${unit.category}`);
		if (invalidUnits.has(unit.code)) flags.push('invalid_cells_ignored');
		const weights: Record<string, number> = {};
		for (const [g, w] of Object.entries(category?.weights ?? {})) {
			if (Number.isFinite(w) && w >= 0) weights[g] = w;
			else {
				weights[g] = 0;
				flags.push(`invalid_weight:${g}`);
			}
		}
		const unitCells = cellsByUnit.get(unit.code) ?? [];
		const groupCodes = [
			...new Set([...Object.keys(weights), ...unitCells.map((c) => c.group)])
		].sort(cmp);
		const groups = groupCodes.map((g) =>
			scoreGroup(
				g,
				weights[g] ?? 0,
				unitCells.filter((c) => c.group === g),
				unit,
				settings
			)
		);

		const composite = combineGroups(
			groups.map((g) => ({
				group: g.group,
				weight: g.weight,
				score: g.score,
				rate: g.rate,
				se: g.se,
				qualifies: g.qualifies
			}))
		);
		const unadjusted = combineGroups(
			groups.map((g) => ({
				group: g.group,
				weight: composite.used.includes(g.group) ? g.weight : 0,
				score: g.scoreUnadjusted,
				rate: null,
				se: null,
				qualifies: true
			}))
		);
		for (const g of groups) {
			g.appliedWeight = composite.applied[g.group] ?? 0;
			g.used = composite.used.includes(g.group);
		}

		const nValid = groups.reduce((t, g) => t + g.nValid, 0);
		const nDontKnow = groups.reduce((t, g) => t + g.nDontKnow, 0);
		const nEff = groups.reduce((t, g) => t + g.nEff, 0);
		if (nValid + nDontKnow === 0) flags.push('no_answers');
		else if (nValid === 0) flags.push('all_dont_know');

		for (const g of groups) {
			const positive = g.weight > 0;
			if (positive && g.flags.includes('no_data')) flags.push(`group_no_data:${g.group}`);
			if (positive && !g.qualifies) flags.push(`group_below_minimum:${g.group}`);
			if (!positive && g.nValid + g.nDontKnow > 0) flags.push(`group_not_weighted:${g.group}`);
			for (const f of g.flags) {
				if (f === 'no_data' || f === 'all_dont_know') continue;
				pushUnique(flags, unitFlagOf(f, g.group));
			}
		}
		if (composite.renormalised && composite.score !== null) flags.push('weights_renormalised');
		if (composite.fallback) flags.push('score_from_groups_below_minimum');
		if (composite.score !== null && composite.se === null) pushUnique(flags, 'se_unavailable');

		const positiveGroups = groups.filter((g) => g.weight > 0).length;
		const qualifying = groups.filter((g) => g.weight > 0 && g.qualifies).length;
		const notRankable: string[] = [];
		if (composite.score === null || composite.fallback) notRankable.push('no_score');
		if (qualifying < Math.min(minGroupsRule, positiveGroups) || positiveGroups === 0) {
			notRankable.push('too_few_groups');
		}
		if (nValid < minValidRule) notRankable.push('too_few_answers');
		for (const r of notRankable) flags.push(`not_rankable:${r}`);

		const dkShare = nValid + nDontKnow > 0 ? nDontKnow / (nValid + nDontKnow) : null;
		if (dkShare !== null && dkShare > params.dkWarningShare) flags.push('high_dk_share');

		results.push({
			unit: unit.code,
			category: unit.category,
			score: composite.score,
			scoreUnadjusted: composite.score === null ? null : unadjusted.score,
			satisfactionRate: composite.rate,
			dkShare,
			nSubmitted: unit.nSubmitted ?? null,
			nExcluded: unit.nExcluded ?? null,
			nValid,
			nDontKnow,
			nEff,
			ci:
				composite.score === null ? null : normalInterval(composite.score, composite.se, settings.z),
			se: composite.se,
			rankable: notRankable.length === 0,
			rank: null,
			rankOf: 0,
			points: null,
			bottom: false,
			flags,
			groups
		});
	}

	const categoryCodes = [
		...new Set([...categories.keys(), ...results.map((r) => r.category)])
	].sort(cmp);
	const summaries: CategorySummary[] = [];
	const pointsMode = input.points?.mode ?? params.pointsMode;
	const fullPoints = finiteOr(input.points?.fullPoints, params.fullPoints);
	for (const code of categoryCodes) {
		const members = results.filter((r) => r.category === code);
		const ranking = rankCategory(members, { decimals, z: settings.z });
		const byUnit = new Map(ranking.outcomes.map((o) => [o.unit, o]));
		for (const r of members) {
			const o = byUnit.get(r.unit);
			if (!o) continue;
			r.rank = o.rank;
			r.rankOf = o.rankOf;
			r.bottom = o.bottom;
			if (o.bottom) r.flags.push('bottom');
			if (o.bottomNotSignificant) r.flags.push('bottom_not_significant');
		}
		const points = computePoints(
			members.filter((r) => r.rankable && r.rank !== null),
			{
				mode: pointsMode,
				fullPoints,
				base: config.categoryRelativeBase,
				step: config.rankStep,
				floor: params.rankStepFloor
			}
		);
		for (const r of members) r.points = points.get(r.unit) ?? null;
		summaries.push({
			category: code,
			nUnits: members.length,
			nRanked: ranking.nRanked,
			mean: ranking.mean
		});
	}

	results.sort(
		(a, b) =>
			cmp(a.category, b.category) ||
			(a.rank ?? Number.MAX_SAFE_INTEGER) - (b.rank ?? Number.MAX_SAFE_INTEGER) ||
			cmp(a.unit, b.unit)
	);
	return { units: results, categories: summaries, flags: globalFlags };
}
