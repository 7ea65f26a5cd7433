import { DEFAULT_Z, fpcFactor, normalInterval, wilson } from './intervals';

/** Non-don't-know answers sharing one value, with their weight sums. */
export interface ValueCell {
	/** Level value, 0–100. */
	value: number;
	n: number;
	sumW: number;
	sumW2: number;
}

/** Weighted moments of a set of answers (a stratum, or a whole group). */
export interface Moments {
	n: number;
	sumW: number;
	sumW2: number;
	/** Weighted mean, 0–100. */
	mean: number;
	/** Weighted share (0–1) of answers at a satisfied level. */
	rate: number;
	/**
	 * Weighted sample variance Σw(x − x̄)² / (Σw − Σw²/Σw); with unit weights this is the usual
	 * n − 1 variance. Null with fewer than two answers.
	 */
	variance: number | null;
	/** Kish effective size (Σw)²/Σw². */
	nEff: number;
}

/** Kish effective sample size (Σw)²/Σw²; 0 when there is no weight. */
export function kishNEff(sumW: number, sumW2: number): number {
	if (!(sumW > 0) || !(sumW2 > 0)) return 0;
	return (sumW * sumW) / sumW2;
}

/**
 * Weighted moments of value cells. Returns null when there is no answer with positive weight,
 * since a mean of nothing has no value.
 */
export function moments(cells: readonly ValueCell[], satisfiedThreshold = 60): Moments | null {
	let n = 0;
	let sumW = 0;
	let sumW2 = 0;
	let sumWX = 0;
	let sumWSat = 0;
	for (const c of cells) {
		n += c.n;
		sumW += c.sumW;
		sumW2 += c.sumW2;
		sumWX += c.sumW * c.value;
		if (c.value >= satisfiedThreshold) sumWSat += c.sumW;
	}
	if (!(sumW > 0) || n <= 0) return null;
	const mean = sumWX / sumW;
	// Second pass around the mean: the one-pass Σwx² − (Σwx)²/Σw loses digits when all agree.
	let ss = 0;
	for (const c of cells) ss += c.sumW * (c.value - mean) * (c.value - mean);
	const denom = sumW - sumW2 / sumW;
	const variance = n >= 2 && denom > sumW * 1e-12 ? ss / denom : null;
	return { n, sumW, sumW2, mean, rate: sumWSat / sumW, variance, nEff: kishNEff(sumW, sumW2) };
}

/** One stratum of a group after post-stratification (a single stratum when not weighted). */
export interface WeightedStratum {
	cells: readonly ValueCell[];
	/** Post-stratification factor g applied to every base weight in the stratum. */
	factor: number;
}

export interface GroupEstimate {
	/** Weighted mean, 0–100. */
	score: number;
	/** Weighted satisfaction rate, 0–1. */
	rate: number;
	/** Wilson interval for the rate with n_eff (0–1). */
	rateCi: [number, number] | null;
	/** Standard error of the score (0–100 points); null when it cannot be estimated. */
	se: number | null;
	/** score ± z·se, clipped to 0–100. */
	ci: [number, number] | null;
	/** Count of non-don't-know answers. */
	nValid: number;
	/** Kish effective size of the final weights. */
	nEff: number;
	/** Σ final weights. */
	sumW: number;
	/** Finite-population correction applied (1 when none). */
	fpc: number;
	/** True when some stratum (or the group) had too few answers for a variance of its own. */
	varianceFallback: boolean;
}

export interface EstimateOptions {
	satisfiedThreshold?: number;
	z?: number;
	/** Closed roster size N for the finite-population correction; null/undefined for none. */
	rosterSize?: number | null;
}

/**
 * Estimates a group's score, rate and their uncertainty from its (post-stratified) strata.
 *
 * Score S = Σ_h W_h x̄_h and rate P = Σ_h W_h p_h, with W_h = g_h·Σw_h / Σ_h g_h·Σw_h the stratum's
 * share of the final weight; this equals the weighted mean over all answers with weights g_h·w_i.
 * SE = sqrt(Σ_h W_h² s_h² / n_eff,h) — for unweighted data that is sqrt(Σ W_h² s_h² / n_h), and for a
 * single stratum it is the plain s/√n. A stratum with fewer than two answers borrows the variance of
 * the whole group. Closed rosters multiply the SE by sqrt((N − n)/(N − 1)) and the rate's n_eff by
 * the inverse square of that factor.
 *
 * Returns null when no stratum has an answer with positive weight.
 */
export function estimateGroup(
	strata: readonly WeightedStratum[],
	options: EstimateOptions = {}
): GroupEstimate | null {
	const threshold = options.satisfiedThreshold ?? 60;
	const z = options.z ?? DEFAULT_Z;
	const parts: { m: Moments; factor: number }[] = [];
	for (const s of strata) {
		const m = moments(s.cells, threshold);
		if (m && s.factor > 0 && Number.isFinite(s.factor)) parts.push({ m, factor: s.factor });
	}
	if (parts.length === 0) return null;

	let total = 0;
	let totalW2 = 0;
	let nValid = 0;
	for (const { m, factor } of parts) {
		total += factor * m.sumW;
		totalW2 += factor * factor * m.sumW2;
		nValid += m.n;
	}
	const pooled = moments(
		strata.flatMap((s) => s.cells),
		threshold
	);
	let score = 0;
	let rate = 0;
	let variance = 0;
	let varianceKnown = true;
	let varianceFallback = false;
	for (const { m, factor } of parts) {
		const share = (factor * m.sumW) / total;
		score += share * m.mean;
		rate += share * m.rate;
		let v = m.variance;
		if (v === null) {
			varianceFallback = true;
			v = pooled?.variance ?? null;
		}
		if (v === null || !(m.nEff > 0)) varianceKnown = false;
		else variance += (share * share * v) / m.nEff;
	}
	const nEff = kishNEff(total, totalW2);
	const fpc = fpcFactor(options.rosterSize, nValid);
	const se = varianceKnown ? Math.sqrt(variance) * fpc : null;
	const rateN = fpc === 0 ? Infinity : nEff / (fpc * fpc);
	return {
		score,
		rate,
		rateCi: wilson(rate, rateN, z),
		se,
		ci: normalInterval(score, se, z),
		nValid,
		nEff,
		sumW: total,
		fpc,
		varianceFallback
	};
}
