/**
 * Distribution helpers and confidence intervals. Every function returns a finite number or null;
 * none throws, so callers can feed them whatever the data gives.
 */

const SQRT_2PI = Math.sqrt(2 * Math.PI);

/** The z the design text writes as 1.96, used when a confidence level is unusable. */
export const DEFAULT_Z = 1.959963984540054;

/**
 * Standard normal CDF Φ(x), Hart (1968) algorithm 5666 as given by West (2005); absolute error
 * below 1e-14, which keeps two-sided p-values exact to the digits we publish.
 */
export function normalCdf(x: number): number {
	if (Number.isNaN(x)) return 0.5;
	const a = Math.abs(x);
	let tail: number;
	if (a > 37) {
		tail = 0;
	} else {
		const e = Math.exp((-a * a) / 2);
		if (a < 7.07106781186547) {
			let num = 3.52624965998911e-2 * a + 0.700383064443688;
			num = num * a + 6.37396220353165;
			num = num * a + 33.912866078383;
			num = num * a + 112.079291497871;
			num = num * a + 221.213596169931;
			num = num * a + 220.206867912376;
			let den = 8.83883476483184e-2 * a + 1.75566716318264;
			den = den * a + 16.064177579207;
			den = den * a + 86.7807322029461;
			den = den * a + 296.564248779674;
			den = den * a + 637.333633378831;
			den = den * a + 793.826512519948;
			den = den * a + 440.413735824752;
			tail = (e * num) / den;
		} else {
			let b = a + 0.65;
			b = a + 4 / b;
			b = a + 3 / b;
			b = a + 2 / b;
			b = a + 1 / b;
			tail = e / b / 2.506628274631;
		}
	}
	return x > 0 ? 1 - tail : tail;
}

const A = [
	-3.969683028665376e1, 2.209460984245205e2, -2.759285104469687e2, 1.38357751867269e2,
	-3.066479806614716e1, 2.506628277459239
];
const B = [
	-5.447609879822406e1, 1.615858368580409e2, -1.556989798598866e2, 6.680131188771972e1,
	-1.328068155288572e1
];
const C = [
	-7.784894002430293e-3, -3.223964580411365e-1, -2.400758277161838, -2.549732539343734,
	4.374664141464968, 2.938163982698783
];
const D = [7.784695709041462e-3, 3.224671290700398e-1, 2.445134137142996, 3.754408661907416];

/**
 * Inverse standard normal CDF. Acklam's rational approximation (relative error 1.15e-9) followed
 * by one Halley step against `normalCdf`, which brings it to double precision.
 * Returns ±Infinity only for p = 0 or 1 and null for p outside [0, 1].
 */
export function normalQuantile(p: number): number | null {
	if (!(p >= 0 && p <= 1)) return null;
	if (p === 0) return -Infinity;
	if (p === 1) return Infinity;
	const pLow = 0.02425;
	let x: number;
	if (p < pLow) {
		const q = Math.sqrt(-2 * Math.log(p));
		x =
			(((((C[0] * q + C[1]) * q + C[2]) * q + C[3]) * q + C[4]) * q + C[5]) /
			((((D[0] * q + D[1]) * q + D[2]) * q + D[3]) * q + 1);
	} else if (p <= 1 - pLow) {
		const q = p - 0.5;
		const r = q * q;
		x =
			((((((A[0] * r + A[1]) * r + A[2]) * r + A[3]) * r + A[4]) * r + A[5]) * q) /
			(((((B[0] * r + B[1]) * r + B[2]) * r + B[3]) * r + B[4]) * r + 1);
	} else {
		const q = Math.sqrt(-2 * Math.log(1 - p));
		x =
			-(((((C[0] * q + C[1]) * q + C[2]) * q + C[3]) * q + C[4]) * q + C[5]) /
			((((D[0] * q + D[1]) * q + D[2]) * q + D[3]) * q + 1);
	}
	const e = normalCdf(x) - p;
	const u = e * SQRT_2PI * Math.exp((x * x) / 2);
	return x - u / (1 + (x * u) / 2);
}

/**
 * Two-sided z for a confidence level in (0, 1), e.g. 0.95 → 1.959964. A level outside (0, 1)
 * falls back to 0.95 rather than producing an infinite interval.
 */
export function zForConfidence(level: number): number {
	if (!(level > 0 && level < 1)) return DEFAULT_Z;
	const z = normalQuantile(1 - (1 - level) / 2);
	return z !== null && Number.isFinite(z) && z > 0 ? z : DEFAULT_Z;
}

/** Two-sided p-value of a z statistic, 2·(1 − Φ(|z|)), in [0, 1]; NaN input gives 1. */
export function twoSidedP(z: number): number {
	if (Number.isNaN(z)) return 1;
	return Math.min(1, 2 * normalCdf(-Math.abs(z)));
}

/**
 * Wilson score interval for a proportion p (0–1) observed on n (effective) answers.
 * At p = 0 or p = 1 it still has a width (unlike the Wald interval), which matters for 好差评 data
 * where nearly everyone is satisfied. Returns null when n is not positive.
 * n = Infinity (a complete census) gives the degenerate interval [p, p].
 */
export function wilson(p: number, n: number, z: number = DEFAULT_Z): [number, number] | null {
	if (!(n > 0) || !Number.isFinite(p)) return null;
	const q = clamp(p, 0, 1);
	if (n === Infinity) return [q, q];
	const z2 = z * z;
	const denom = 1 + z2 / n;
	const centre = (q + z2 / (2 * n)) / denom;
	const half = (z / denom) * Math.sqrt((q * (1 - q)) / n + z2 / (4 * n * n));
	// At p = 0 or 1 the matching bound is exactly 0 or 1; rounding would otherwise leave 1 − 1e-16.
	const lo = q === 0 ? 0 : clamp(centre - half, 0, 1);
	const hi = q === 1 ? 1 : clamp(centre + half, 0, 1);
	return [lo, hi];
}

/**
 * Normal interval estimate ± z·se, clipped to [lo, hi] (0–100 for scores) because a score cannot
 * leave its scale. Returns null when se is unknown.
 */
export function normalInterval(
	estimate: number,
	se: number | null,
	z: number = DEFAULT_Z,
	lo = 0,
	hi = 100
): [number, number] | null {
	if (se === null || !Number.isFinite(se) || se < 0 || !Number.isFinite(estimate)) return null;
	return [clamp(estimate - z * se, lo, hi), clamp(estimate + z * se, lo, hi)];
}

/**
 * Finite-population correction sqrt((N − n)/(N − 1)) for a closed roster of size N with n answers.
 * Returns 1 when there is no usable roster, and 0 when the whole roster answered (or more answers
 * than roster entries arrived, which the caller flags).
 */
export function fpcFactor(rosterSize: number | null | undefined, n: number): number {
	if (rosterSize === null || rosterSize === undefined || !Number.isFinite(rosterSize)) return 1;
	if (rosterSize <= 0 || !(n > 0)) return 1;
	if (n >= rosterSize) return 0;
	return Math.sqrt((rosterSize - n) / (rosterSize - 1));
}

export function clamp(x: number, lo: number, hi: number): number {
	return x < lo ? lo : x > hi ? hi : x;
}

/**
 * Half-up rounding to `decimals` places that ignores binary noise (82.035 stored as 82.03499999…
 * still rounds to 82.04). Used for rank ties, never for the figures that feed points.
 */
export function roundTo(x: number, decimals: number): number {
	if (!Number.isFinite(x)) return x;
	const f = 10 ** decimals;
	return Math.round(Number((x * f).toPrecision(12))) / f;
}
