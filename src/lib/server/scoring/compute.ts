import { computeScores, type AnswerCell, type UnitScore } from '$lib/scoring';
import type { ExclusionMode, GroupItem, ScoreItem, ScoresBody } from '$lib/schemas/scores';
import type { DbOrTx } from '../db/client';
import {
	aggregateRatings,
	aggregateRollups,
	COUNTED_STATUSES,
	ensureRollups,
	STATUS_EXCLUDED,
	STATUS_QUARANTINED,
	type StatusCell
} from './aggregate';
import { loadScoringSetup, methodParameters, type ScoringSetup } from './setup';

export interface UnitCounts {
	/** Every rating of the unit, every status, 不了解 included. */
	nSubmitted: number;
	quarantined: number;
	excluded: number;
}

/** Statuses that count under an exclusion mode; `none` counts everything that was stored. */
export function statusesFor(mode: ExclusionMode): readonly number[] {
	return mode === 'applied' ? COUNTED_STATUSES : [0, 1, 2, 3];
}

/**
 * Turns id-keyed cells split by status into the core's code-keyed cells for one exclusion mode,
 * merging statuses, plus the per-unit counts of submitted and left-out answers.
 */
export function cellsForMode(
	setup: ScoringSetup,
	statusCells: readonly StatusCell[],
	mode: ExclusionMode
): { cells: AnswerCell[]; counts: Map<string, UnitCounts> } {
	const counted = new Set(statusesFor(mode));
	const counts = new Map<string, UnitCounts>();
	const merged = new Map<string, Required<AnswerCell>>();
	for (const c of statusCells) {
		const unitCode = setup.unitCode.get(c.unitId);
		if (unitCode === undefined) continue;
		const uc = counts.get(unitCode) ?? { nSubmitted: 0, quarantined: 0, excluded: 0 };
		uc.nSubmitted += c.n;
		if (c.status === STATUS_QUARANTINED) uc.quarantined += c.n;
		if (c.status === STATUS_EXCLUDED) uc.excluded += c.n;
		counts.set(unitCode, uc);
		if (!counted.has(c.status)) continue;
		const cell = {
			unit: unitCode,
			// A group deleted after answers arrived keeps its answers visible under its id.
			group: setup.groupCode.get(c.groupId) ?? `#${c.groupId}`,
			area: c.areaId === null ? null : (setup.areaCode.get(c.areaId) ?? null),
			value: c.value
		};
		const key = JSON.stringify([cell.unit, cell.group, cell.area, cell.value]);
		const prev = merged.get(key);
		if (prev) {
			prev.n += c.n;
			prev.sumW += c.sumW;
			prev.sumW2 += c.sumW2;
		} else merged.set(key, { ...cell, n: c.n, sumW: c.sumW, sumW2: c.sumW2 });
	}
	return { cells: [...merged.values()], counts };
}

/** Position in a configured list; codes not in it come after, in the core's (code) order. */
function orderOf(codes: readonly string[]): (code: string) => number {
	const index = new Map(codes.map((c, i) => [c, i]));
	return (code) => index.get(code) ?? codes.length;
}

function groupItem(g: UnitScore['groups'][number]): GroupItem {
	return {
		group: g.group,
		score: g.score,
		scoreUnadjusted: g.scoreUnadjusted,
		rate: g.rate,
		rateCi: g.rateCi,
		se: g.se,
		ci: g.ci,
		nValid: g.nValid,
		nDontKnow: g.nDontKnow,
		dkShare: g.dkShare,
		nEff: g.nEff,
		weight: g.weight,
		appliedWeight: g.appliedWeight,
		used: g.used,
		qualifies: g.qualifies,
		minimum: g.minimum,
		flags: g.flags,
		strata: g.strata
	};
}

/**
 * Scores code-keyed cells with the cycle's configuration: the single place where the database
 * paths (full scan, roll-ups) and the tests' pure path (`rowsToCells`) meet the scoring core.
 */
export function scoreCells(
	setup: ScoringSetup,
	cells: readonly AnswerCell[],
	counts: ReadonlyMap<string, UnitCounts>,
	options: { exclusions: ExclusionMode; source: 'ratings' | 'rollups'; computedAt?: Date }
): ScoresBody {
	const result = computeScores({
		cells,
		units: setup.units.map((u) => {
			const c = counts.get(u.code);
			return {
				code: u.code,
				category: u.category,
				area: u.area,
				nSubmitted: c?.nSubmitted ?? 0,
				nExcluded: options.exclusions === 'applied' ? (c?.quarantined ?? 0) + (c?.excluded ?? 0) : 0
			};
		}),
		categories: setup.categories.map((k) => ({ code: k.code, weights: k.weights })),
		groups: setup.groups.map((g) => ({ code: g.code, minValid: g.minValid })),
		areas: setup.areas.map((a) => ({ code: a.code, parent: a.parent, population: a.population })),
		config: setup.cycle.config,
		points: { mode: setup.cycle.pointsMode, fullPoints: setup.cycle.fullPoints }
	});
	const unitByCode = new Map(setup.units.map((u) => [u.code, u]));
	const categoryName = new Map(setup.categories.map((k) => [k.code, k.name]));
	// The core sorts by code; the office reads categories and groups in their configured order.
	const categoryOrder = orderOf(setup.categories.map((k) => k.code));
	const groupOrder = orderOf(setup.groups.map((g) => g.code));
	const byCategory = (a: string, b: string) => categoryOrder(a) - categoryOrder(b);
	const units = [...result.units].sort((a, b) => byCategory(a.category, b.category));
	const items: ScoreItem[] = units.map((r) => {
		const c = counts.get(r.unit);
		return {
			unit: r.unit,
			unitName: unitByCode.get(r.unit)?.name ?? r.unit,
			category: r.category,
			categoryName: categoryName.get(r.category) ?? r.category,
			score: r.score,
			scoreUnadjusted: r.scoreUnadjusted,
			satisfactionRate: r.satisfactionRate,
			dkShare: r.dkShare,
			nSubmitted: r.nSubmitted ?? 0,
			nExcluded: r.nExcluded ?? 0,
			excluded: { quarantined: c?.quarantined ?? 0, excluded: c?.excluded ?? 0 },
			nValid: r.nValid,
			nDontKnow: r.nDontKnow,
			nEff: r.nEff,
			se: r.se,
			ci: r.ci,
			rankable: r.rankable,
			rank: r.rank,
			rankOf: r.rankOf,
			points: r.points,
			bottom: r.bottom,
			flags: r.flags,
			groups: [...r.groups].sort((a, b) => groupOrder(a.group) - groupOrder(b.group)).map(groupItem)
		};
	});
	return {
		exclusions: options.exclusions,
		source: options.source,
		computedAt: (options.computedAt ?? new Date()).toISOString(),
		parameters: methodParameters(setup),
		categories: [...result.categories]
			.sort((a, b) => byCategory(a.category, b.category))
			.map((k) => ({
				category: k.category,
				name: categoryName.get(k.category) ?? k.category,
				nUnits: k.nUnits,
				nRanked: k.nRanked,
				mean: k.mean
			})),
		flags: result.flags,
		notes: missingNotes(setup, items),
		items
	};
}

/**
 * What keeps the result from being complete, as codes the console and the exports translate
 * (`results_note_*`): a cycle without surveys or answers, weighted groups no survey asks, areas
 * without a population. A cycle with no answers still gets a full table of flagged units.
 */
export function missingNotes(setup: ScoringSetup, items: readonly ScoreItem[]): string[] {
	const notes: string[] = [];
	if (setup.units.length === 0) notes.push('no_units');
	if (setup.surveys.length === 0) notes.push('no_surveys');
	const answered = items.filter((i) => i.nSubmitted > 0).length;
	if (setup.units.length > 0 && answered === 0) notes.push('no_answers_in_cycle');
	else if (answered < items.length) notes.push(`units_without_answers:${items.length - answered}`);
	if (setup.surveys.length > 0) {
		const asked = new Set(setup.surveys.flatMap((s) => s.groups));
		const weighted = new Set(
			setup.categories.flatMap((k) =>
				Object.entries(k.weights)
					.filter(([, w]) => w > 0)
					.map(([g]) => g)
			)
		);
		for (const g of [...weighted].sort()) {
			if (!asked.has(g)) notes.push(`group_without_survey:${g}`);
		}
	}
	const noPopulation = new Set<string>();
	for (const i of items) {
		for (const f of i.flags) if (f.startsWith('no_population:')) noPopulation.add(f);
	}
	notes.push(...[...noPopulation].sort());
	return notes;
}

export interface CycleCells {
	setup: ScoringSetup;
	cells: StatusCell[];
}

export function scoreStatusCells(
	data: CycleCells,
	exclusions: ExclusionMode,
	source: 'ratings' | 'rollups',
	computedAt?: Date
): ScoresBody {
	const { cells, counts } = cellsForMode(data.setup, data.cells, exclusions);
	return scoreCells(data.setup, cells, counts, { exclusions, source, computedAt });
}

/** The authoritative computation: one scan of `ratings`. Snapshots are made from this. */
export async function recomputeFromRatings(
	db: DbOrTx,
	cycleId: number,
	exclusions: ExclusionMode = 'applied'
): Promise<ScoresBody> {
	const setup = await loadScoringSetup(db, cycleId);
	const cells = await aggregateRatings(db, cycleId);
	return scoreStatusCells({ setup, cells }, exclusions, 'ratings');
}

/** Live cells from the roll-ups, rebuilt first when answers arrived or statuses changed. */
export async function liveCells(db: DbOrTx, cycleId: number): Promise<CycleCells> {
	const setup = await loadScoringSetup(db, cycleId);
	await ensureRollups(db, cycleId);
	return { setup, cells: await aggregateRollups(db, cycleId) };
}

/** The dashboard's computation: the same numbers as `recomputeFromRatings`, from the roll-ups. */
export async function computeLiveScores(
	db: DbOrTx,
	cycleId: number,
	exclusions: ExclusionMode = 'applied'
): Promise<ScoresBody> {
	return scoreStatusCells(await liveCells(db, cycleId), exclusions, 'rollups');
}
