import { cmp } from './cells';

export interface CompositeGroupInput {
	group: string;
	/** The category's weight for the group (any non-negative scale; renormalised here). */
	weight: number;
	/** Group score 0–100, null when the group has no usable answer. */
	score: number | null;
	/** Group satisfaction rate 0–1. */
	rate: number | null;
	/** Standard error of the group score in points; null when unknown. */
	se: number | null;
	/** The group meets its minimum (n_eff at or above its threshold). */
	qualifies: boolean;
}

export interface CompositeResult {
	/** S = Σ W_g S_g over the groups used, 0–100; null when no group can be used. */
	score: number | null;
	/** Σ W_g P_g over the groups used, 0–1. */
	rate: number | null;
	/** sqrt(Σ W_g² SE_g²); null when some used group has no SE. */
	se: number | null;
	/** Weight actually applied to each group (0 for groups not used); sums to 1 when score ≠ null. */
	applied: Record<string, number>;
	/** Groups used, sorted by code. */
	used: string[];
	/** Groups with a positive weight that were left out, sorted by code. */
	dropped: string[];
	/** The applied weights differ from the configured ones because some group was left out. */
	renormalised: boolean;
	/**
	 * No group met its minimum, so the score was built from every group that has answers. Such a
	 * score is shown for information and is never ranked.
	 */
	fallback: boolean;
}

function usableWeight(w: number): boolean {
	return Number.isFinite(w) && w > 0;
}

/**
 * Combines group estimates into a unit score with the category's weights. Groups below their
 * minimum are dropped and the remaining weights renormalised to sum to 1. Groups are independent
 * samples, so variances add: SE(S) = sqrt(Σ W_g² SE_g²).
 */
export function combineGroups(groups: readonly CompositeGroupInput[]): CompositeResult {
	const sorted = [...groups].sort((a, b) => cmp(a.group, b.group));
	const weighted = sorted.filter((g) => usableWeight(g.weight));
	let used = weighted.filter((g) => g.qualifies && g.score !== null);
	let fallback = false;
	if (used.length === 0) {
		used = weighted.filter((g) => g.score !== null);
		fallback = used.length > 0;
	}
	const applied: Record<string, number> = {};
	for (const g of sorted) applied[g.group] = 0;
	const dropped = weighted.filter((g) => !used.includes(g)).map((g) => g.group);
	if (used.length === 0) {
		return {
			score: null,
			rate: null,
			se: null,
			applied,
			used: [],
			dropped,
			renormalised: false,
			fallback
		};
	}
	const total = used.reduce((t, g) => t + g.weight, 0);
	let score = 0;
	let rate = 0;
	let variance = 0;
	let seKnown = true;
	for (const g of used) {
		const w = g.weight / total;
		applied[g.group] = w;
		score += w * (g.score ?? 0);
		rate += w * (g.rate ?? 0);
		if (g.se === null || !Number.isFinite(g.se)) seKnown = false;
		else variance += w * w * g.se * g.se;
	}
	return {
		score,
		rate,
		se: seKnown ? Math.sqrt(variance) : null,
		applied,
		used: used.map((g) => g.group),
		dropped,
		renormalised: dropped.length > 0,
		fallback
	};
}
