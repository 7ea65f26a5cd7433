import { cmp } from './cells';
import type { ValueCell } from './group-estimate';

/** Code of the stratum that pools small top-level strata that have no parent to collapse into. */
export const POOLED_STRATUM = '*';

export interface StratumInput {
	/** Area code of the stratum. */
	code: string;
	/** Area the stratum collapses into when it has too few answers; null when there is none. */
	parent: string | null;
	/** Registered population N_h; null, 0 or a non-finite number means unknown. */
	population: number | null;
	/**
	 * Answers that belong to no area of the population frame (the respondent gave no area, or one
	 * outside the unit). They keep their own weight: they are neither collapsed nor re-weighted.
	 */
	outsideFrame?: boolean;
	cells: readonly ValueCell[];
}

export interface PostStratificationOptions {
	/** Strata with fewer answers than this collapse into their parent (default 5). */
	minStratumSize: number;
	/** Upper bound of the adjustment factor, as a multiple of the mean weight (default 5). */
	weightCap: number;
	/** Lower bound of the adjustment factor, as a multiple of the mean weight (default 0.2). */
	weightFloor: number;
	/** Parent of an area a collapsed stratum took its name from; absent = collapse one level only. */
	parentOf?: (code: string) => string | null;
}

export interface PostStratum {
	code: string;
	/** Input strata (area codes) merged into this one, sorted. */
	members: string[];
	/** Σ of the members' known populations; null when none is known. */
	population: number | null;
	/** Answers (count). */
	n: number;
	/** Σ base weights of the answers. */
	sumW: number;
	/** Population share this stratum was targeted at before trimming (0–1). */
	targetShare: number;
	/** Share of the final weight (0–1) after trimming and redistribution. */
	share: number;
	/**
	 * Adjustment factor g: each answer's final weight is g × its base weight. With unit base
	 * weights g is the answer's weight relative to the mean weight, e.g. 0.3720 and 3.6167.
	 */
	factor: number;
	/** True when the stratum keeps its sample share (no population known, or outside the frame). */
	selfRepresenting: boolean;
	cells: ValueCell[];
}

export interface PostStratificationResult {
	strata: PostStratum[];
	/** Some stratum was merged into another. */
	collapsed: boolean;
	/** Some factor hit the cap or the floor. */
	trimmed: boolean;
}

interface Work {
	code: string;
	parent: string | null;
	population: number | null;
	members: string[];
	outsideFrame: boolean;
	cells: ValueCell[];
	n: number;
	sumW: number;
}

function knownPopulation(p: number | null): number | null {
	return p !== null && Number.isFinite(p) && p > 0 ? p : null;
}

function addPopulation(a: number | null, b: number | null): number | null {
	if (a === null) return b;
	if (b === null) return a;
	return a + b;
}

function absorb(into: Work, from: Work): void {
	into.population = addPopulation(into.population, from.population);
	into.members = [...into.members, ...from.members].sort(cmp);
	into.cells = [...into.cells, ...from.cells];
	into.n += from.n;
	into.sumW += from.sumW;
}

function bySizeThenCode(a: Work, b: Work): number {
	return b.n - a.n || cmp(a.code, b.code);
}

/**
 * Post-stratifies one group's answers to area populations: w = (N_h/N)/(n_h/n).
 *
 * 1. Strata without answers are ignored (their population is not targeted).
 * 2. A stratum with fewer than `minStratumSize` answers collapses into its parent area (the
 *    collapsed stratum's population is the sum of its members'). Small strata left without a parent
 *    are pooled together, and a pool that is still too small joins the largest stratum.
 * 3. Strata with an unknown population, and answers outside the frame, keep their sample share
 *    (factor 1); the rest of the weight is shared out by population.
 * 4. Factors are bounded to [floor, cap] × the mean weight; the weight cut off (or added) is
 *    redistributed over the unbounded strata in proportion to their weight, so the total is kept.
 *    This is the fixed point of iterative trimming, found exactly by a one-dimensional search.
 *
 * Input order does not matter: strata are processed by code.
 */
export function postStratify(
	input: readonly StratumInput[],
	options: PostStratificationOptions
): PostStratificationResult {
	const minSize = Math.max(1, options.minStratumSize);
	const frame = new Map<string, Work>();
	const outside: Work[] = [];
	for (const s of [...input].sort((a, b) => cmp(a.code, b.code))) {
		const cells = s.cells.filter((c) => c.n > 0 && c.sumW >= 0);
		const n = cells.reduce((t, c) => t + c.n, 0);
		const sumW = cells.reduce((t, c) => t + c.sumW, 0);
		if (n <= 0 || !(sumW > 0)) continue;
		const w: Work = {
			code: s.code,
			parent: s.parent,
			population: knownPopulation(s.population),
			members: [s.code],
			outsideFrame: s.outsideFrame === true,
			cells: [...cells],
			n,
			sumW
		};
		if (w.outsideFrame) {
			outside.push(w);
			continue;
		}
		const prev = frame.get(w.code);
		if (prev) {
			// The same area listed twice: one stratum, one population.
			prev.cells.push(...w.cells);
			prev.n += w.n;
			prev.sumW += w.sumW;
		} else frame.set(w.code, w);
	}

	let collapsed = false;
	for (let guard = 0; guard < 10_000; guard++) {
		const small = [...frame.values()]
			.filter((w) => w.n < minSize && w.parent !== null && w.parent !== w.code)
			.sort((a, b) => cmp(a.code, b.code))[0];
		if (!small || small.parent === null) break;
		frame.delete(small.code);
		collapsed = true;
		const target = frame.get(small.parent);
		if (target) {
			absorb(target, small);
		} else {
			const parentOfParent = options.parentOf?.(small.parent) ?? null;
			frame.set(small.parent, {
				...small,
				code: small.parent,
				// A cycle in the area tree must not loop forever: stop climbing where we started.
				parent: parentOfParent === small.code ? null : parentOfParent
			});
		}
	}

	const smallRoots = [...frame.values()].filter((w) => w.n < minSize).sort(bySizeThenCode);
	if (smallRoots.length > 0 && frame.size > 1) {
		collapsed = true;
		for (const w of smallRoots) frame.delete(w.code);
		let pool: Work;
		if (smallRoots.length === 1) {
			pool = smallRoots[0];
		} else {
			pool = {
				code: POOLED_STRATUM,
				parent: null,
				population: null,
				members: [],
				outsideFrame: false,
				cells: [],
				n: 0,
				sumW: 0
			};
			for (const w of smallRoots) absorb(pool, w);
		}
		const largest = [...frame.values()].sort(bySizeThenCode)[0];
		if (pool.n < minSize && largest) absorb(largest, pool);
		else frame.set(pool.code, pool);
	}

	const all = [...frame.values(), ...outside];
	const total = all.reduce((t, w) => t + w.sumW, 0);
	const weighted = [...frame.values()].filter((w) => w.population !== null);
	const selfSum = all.filter((w) => !weighted.includes(w)).reduce((t, w) => t + w.sumW, 0);
	const popTotal = weighted.reduce((t, w) => t + (w.population ?? 0), 0);

	const target = new Map<Work, number>();
	const g0 = new Map<Work, number>();
	for (const w of all) {
		if (weighted.includes(w) && popTotal > 0) {
			const share = ((total - selfSum) / total) * ((w.population ?? 0) / popTotal);
			target.set(w, share);
			g0.set(w, (share * total) / w.sumW);
		} else {
			target.set(w, w.sumW / total);
			g0.set(w, 1);
		}
	}

	const lo = Math.min(1, Math.max(0, options.weightFloor));
	const hi = Math.max(1, options.weightCap);
	const factors = boundFactors(
		weighted.map((w) => ({ sumW: w.sumW, g: g0.get(w) ?? 1 })),
		lo,
		hi
	);
	const factor = new Map<Work, number>(all.map((w) => [w, g0.get(w) ?? 1]));
	weighted.forEach((w, i) => factor.set(w, factors.g[i]));

	const finalTotal = all.reduce((t, w) => t + (factor.get(w) ?? 1) * w.sumW, 0);
	const strata: PostStratum[] = all
		.map((w) => {
			const g = factor.get(w) ?? 1;
			return {
				code: w.code,
				members: w.members,
				population: w.population,
				n: w.n,
				sumW: w.sumW,
				targetShare: target.get(w) ?? 0,
				share: (g * w.sumW) / finalTotal,
				factor: g,
				selfRepresenting: !weighted.includes(w),
				cells: w.cells
			};
		})
		.sort((a, b) => cmp(a.code, b.code));
	return { strata, collapsed, trimmed: factors.trimmed };
}

/**
 * Bounds factors to [lo, hi] while keeping Σ sumW·g fixed. The bounded solution is
 * g_h = clamp(k·g0_h, lo, hi) for the k that restores the total; since the weighted mean of g0 is
 * 1 and lo ≤ 1 ≤ hi, such a k always exists.
 */
export function boundFactors(
	strata: readonly { sumW: number; g: number }[],
	lo: number,
	hi: number
): { g: number[]; trimmed: boolean } {
	const g0 = strata.map((s) => s.g);
	const eps = 1e-12;
	if (g0.every((g) => g >= lo - eps && g <= hi + eps)) return { g: g0, trimmed: false };
	const target = strata.reduce((t, s, i) => t + s.sumW * g0[i], 0);
	const f = (k: number) =>
		strata.reduce((t, s, i) => t + s.sumW * Math.min(hi, Math.max(lo, k * g0[i])), 0);
	const gMin = Math.min(...g0.filter((g) => g > 0));
	let kLo = 0;
	let kHi = hi / gMin;
	for (let i = 0; i < 200 && kHi - kLo > 1e-15 * kHi; i++) {
		const mid = (kLo + kHi) / 2;
		if (f(mid) < target) kLo = mid;
		else kHi = mid;
	}
	const k = (kLo + kHi) / 2;
	const g = g0.map((x) => Math.min(hi, Math.max(lo, k * x)));
	// Put the bisection's last rounding error on the free strata so the total is exact.
	const free = g.map((x) => x > lo && x < hi);
	const fixedSum = strata.reduce((t, s, i) => t + (free[i] ? 0 : s.sumW * g[i]), 0);
	const freeSum = strata.reduce((t, s, i) => t + (free[i] ? s.sumW * g[i] : 0), 0);
	if (freeSum > 0) {
		const scale = (target - fixedSum) / freeSum;
		for (let i = 0; i < g.length; i++) if (free[i]) g[i] *= scale;
	}
	return { g, trimmed: true };
}
