import { cmp } from './cells';
import { DEFAULT_Z, roundTo, twoSidedP } from './intervals';

export interface RankEntry {
	unit: string;
	/** Unrounded score 0–100; null for a unit without a score. */
	score: number | null;
	/** Standard error in points; null when unknown. */
	se: number | null;
	/** Whether the unit may be ranked at all (see the rankable rule). */
	rankable: boolean;
}

export interface RankOutcome {
	unit: string;
	/** Competition rank (1, 1, 3) on scores rounded to `decimals`; null when not ranked. */
	rank: number | null;
	/** Number of ranked units in the category. */
	rankOf: number;
	/** Last place and its CI upper bound is below the category mean: 末位. */
	bottom: boolean;
	/** Last place, but the CI upper bound reaches the category mean: 末位（差异不显著）. */
	bottomNotSignificant: boolean;
}

export interface CategoryRanking {
	/** Mean of the ranked units' unrounded scores (0–100); null when none is ranked. */
	mean: number | null;
	nRanked: number;
	/** One outcome per entry, sorted by rank (unranked last) and then unit code. */
	outcomes: RankOutcome[];
}

/**
 * Competition ranks ("1224"): units whose scores round to the same value share a rank, and the
 * next rank skips the tied places. Ties are judged on rounded scores so that units that would be
 * printed with the same score never get different ranks.
 */
export function competitionRanks(
	entries: readonly { unit: string; score: number }[],
	decimals = 2
): Map<string, number> {
	const rounded = entries.map((e) => ({ unit: e.unit, r: roundTo(e.score, decimals) }));
	const ranks = new Map<string, number>();
	for (const e of rounded) {
		ranks.set(e.unit, 1 + rounded.filter((o) => o.r > e.r).length);
	}
	return ranks;
}

/**
 * Ranks one category. Only rankable units with a score take part. The bottom (末位) label goes to
 * the unit(s) in last place only if the upper end of their CI (score + z·SE) is below the mean of
 * the ranked units; otherwise they get `bottomNotSignificant`. A category with fewer than two
 * ranked units, or where everyone ties for first, has no bottom.
 */
export function rankCategory(
	entries: readonly RankEntry[],
	options: { decimals?: number; z?: number } = {}
): CategoryRanking {
	const decimals = options.decimals ?? 2;
	const z = options.z ?? DEFAULT_Z;
	const ranked = entries
		.filter((e) => e.rankable && e.score !== null && Number.isFinite(e.score))
		.map((e) => ({ unit: e.unit, score: e.score as number, se: e.se }));
	const ranks = competitionRanks(ranked, decimals);
	const nRanked = ranked.length;
	const mean = nRanked > 0 ? ranked.reduce((t, e) => t + e.score, 0) / nRanked : null;
	const lastRank = Math.max(0, ...ranks.values());
	const outcomes = entries.map((e): RankOutcome => {
		const rank = ranks.get(e.unit) ?? null;
		const isLast = rank !== null && nRanked >= 2 && lastRank > 1 && rank === lastRank;
		let bottom = false;
		if (isLast && mean !== null && e.score !== null && e.se !== null && Number.isFinite(e.se)) {
			bottom = e.score + z * e.se < mean;
		}
		return { unit: e.unit, rank, rankOf: nRanked, bottom, bottomNotSignificant: isLast && !bottom };
	});
	outcomes.sort(
		(a, b) =>
			(a.rank ?? Number.MAX_SAFE_INTEGER) - (b.rank ?? Number.MAX_SAFE_INTEGER) ||
			cmp(a.unit, b.unit)
	);
	return { mean, nRanked, outcomes };
}

export interface Comparison {
	/** z = (S_a − S_b) / sqrt(SE_a² + SE_b²). */
	z: number;
	/** Two-sided p-value. */
	p: number;
	/** p below alpha (default 0.05). */
	significant: boolean;
}

/**
 * Pairwise z-test of two independent scores. Null when a score or SE is missing, or both SEs are
 * zero (the test is then undefined).
 */
export function compareScores(
	a: { score: number | null; se: number | null },
	b: { score: number | null; se: number | null },
	alpha = 0.05
): Comparison | null {
	if (a.score === null || b.score === null || a.se === null || b.se === null) return null;
	const denom = Math.sqrt(a.se * a.se + b.se * b.se);
	if (!(denom > 0) || !Number.isFinite(denom)) return null;
	const z = (a.score - b.score) / denom;
	if (!Number.isFinite(z)) return null;
	const p = twoSidedP(z);
	return { z, p, significant: p < alpha };
}
