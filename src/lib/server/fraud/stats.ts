/**
 * Small statistics for the window detectors: the Poisson upper tail (is this volume a fluke?) and a
 * proportion z-score (did the answers shift?). Pure functions, no dependencies.
 */

function lnGamma(z: number): number {
	// Lanczos approximation (g = 7, n = 9); accurate to ~1e-15 for z > 0.
	const c = [
		0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313,
		-176.61502916214059, 12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6,
		1.5056327351493116e-7
	];
	if (z < 0.5) return Math.log(Math.PI / Math.sin(Math.PI * z)) - lnGamma(1 - z);
	const x = z - 1;
	let a = c[0];
	const t = x + 7.5;
	for (let i = 1; i < 9; i++) a += c[i] / (x + i);
	return 0.5 * Math.log(2 * Math.PI) + (x + 0.5) * Math.log(t) - t + Math.log(a);
}

/** Regularised lower incomplete gamma P(a, x). */
export function gammaP(a: number, x: number): number {
	if (x <= 0) return 0;
	if (a <= 0) return 1;
	const lead = -x + a * Math.log(x) - lnGamma(a);
	if (x < a + 1) {
		let sum = 1 / a;
		let term = sum;
		for (let n = 1; n < 1000; n++) {
			term *= x / (a + n);
			sum += term;
			if (Math.abs(term) < Math.abs(sum) * 1e-15) break;
		}
		return Math.min(1, sum * Math.exp(lead));
	}
	// Continued fraction for Q(a, x) (Lentz).
	const tiny = 1e-300;
	let b = x + 1 - a;
	let c = 1 / tiny;
	let d = 1 / b;
	let h = d;
	for (let i = 1; i < 1000; i++) {
		const an = -i * (i - a);
		b += 2;
		d = an * d + b;
		if (Math.abs(d) < tiny) d = tiny;
		c = b + an / c;
		if (Math.abs(c) < tiny) c = tiny;
		d = 1 / d;
		const del = d * c;
		h *= del;
		if (Math.abs(del - 1) < 1e-15) break;
	}
	return Math.max(0, 1 - Math.exp(lead) * h);
}

/** P(X ≥ observed) for X ~ Poisson(expected). */
export function poissonUpperTail(observed: number, expected: number): number {
	if (observed <= 0) return 1;
	if (expected <= 0) return 0;
	return gammaP(observed, expected);
}

/** z of an observed share against an expected share p0 with m trials (0 when undefined). */
export function shareZ(successes: number, m: number, p0: number): number {
	if (m <= 0) return 0;
	const p = Math.min(Math.max(p0, 1e-3), 1 - 1e-3);
	return (successes / m - p) / Math.sqrt((p * (1 - p)) / m);
}
