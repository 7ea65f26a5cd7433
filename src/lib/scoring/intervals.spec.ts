import { describe, expect, it } from 'vitest';
import {
	DEFAULT_Z,
	fpcFactor,
	normalCdf,
	normalInterval,
	normalQuantile,
	roundTo,
	twoSidedP,
	wilson,
	zForConfidence
} from './intervals';

describe('normalCdf', () => {
	it('matches reference values', () => {
		expect(normalCdf(0)).toBe(0.5);
		expect(normalCdf(1.96)).toBeCloseTo(0.9750021048517795, 13);
		expect(normalCdf(-1)).toBeCloseTo(0.15865525393145707, 13);
		expect(normalCdf(3)).toBeCloseTo(0.9986501019683699, 13);
		expect(normalCdf(-8) / 6.22096057427178e-16).toBeCloseTo(1, 6);
	});

	it('saturates in the far tails and treats NaN as no information', () => {
		expect(normalCdf(40)).toBe(1);
		expect(normalCdf(-40)).toBe(0);
		expect(normalCdf(Infinity)).toBe(1);
		expect(normalCdf(-Infinity)).toBe(0);
		expect(normalCdf(NaN)).toBe(0.5);
	});

	it('is symmetric', () => {
		for (const x of [0.1, 0.738, 1.5, 2.5, 5, 7.5]) {
			expect(normalCdf(x) + normalCdf(-x)).toBeCloseTo(1, 14);
		}
	});
});

describe('normalQuantile', () => {
	it('gives the usual z values', () => {
		expect(normalQuantile(0.975)).toBeCloseTo(1.959963984540054, 12);
		expect(normalQuantile(0.5)).toBeCloseTo(0, 14);
		expect(normalQuantile(0.95)).toBeCloseTo(1.6448536269514722, 12);
		expect(normalQuantile(0.001)).toBeCloseTo(-3.090232306167813, 10);
	});

	it('inverts normalCdf across the range, tails included', () => {
		for (const p of [1e-12, 1e-6, 0.01, 0.02425, 0.1, 0.3, 0.7, 0.97575, 0.999, 1 - 1e-9]) {
			const x = normalQuantile(p);
			expect(x).not.toBeNull();
			expect(normalCdf(x as number) / p).toBeCloseTo(1, 8);
		}
	});

	it('handles the ends and rejects probabilities outside [0, 1]', () => {
		expect(normalQuantile(0)).toBe(-Infinity);
		expect(normalQuantile(1)).toBe(Infinity);
		expect(normalQuantile(-0.1)).toBeNull();
		expect(normalQuantile(1.1)).toBeNull();
		expect(normalQuantile(NaN)).toBeNull();
	});
});

describe('zForConfidence', () => {
	it('turns a confidence level into a two-sided z', () => {
		expect(zForConfidence(0.95)).toBeCloseTo(1.959964, 6);
		expect(zForConfidence(0.9)).toBeCloseTo(1.6448536269514722, 10);
		expect(zForConfidence(0.99)).toBeCloseTo(2.5758293035489004, 10);
	});

	it('falls back to 95 % for unusable levels', () => {
		for (const level of [0, 1, -1, 2, NaN]) expect(zForConfidence(level)).toBe(DEFAULT_Z);
	});
});

describe('twoSidedP', () => {
	it('gives 0.05 at z = 1.96 and 1 at z = 0', () => {
		expect(twoSidedP(1.959963984540054)).toBeCloseTo(0.05, 12);
		expect(twoSidedP(-1.959963984540054)).toBeCloseTo(0.05, 12);
		expect(twoSidedP(0)).toBe(1);
		expect(twoSidedP(NaN)).toBe(1);
		expect(twoSidedP(Infinity)).toBe(0);
	});

	it('reproduces the worked example: z = 0.738 → p = 0.460', () => {
		expect(twoSidedP(0.738)).toBeCloseTo(0.4605, 4);
	});
});

describe('wilson', () => {
	it('reproduces the worked example intervals', () => {
		const sr = wilson(29 / 30, 30);
		expect(sr?.[0]).toBeCloseTo(0.8333, 4);
		expect(sr?.[1]).toBeCloseTo(0.9941, 4);
		const residents = wilson(89 / 93, 93);
		expect(residents?.[0]).toBeCloseTo(0.8946, 4);
		expect(residents?.[1]).toBeCloseTo(0.9831, 4);
		const deputies = wilson(1, 22);
		expect(deputies?.[0]).toBeCloseTo(0.8513, 4);
		expect(deputies?.[1]).toBe(1);
	});

	it('uses a fractional n (n_eff) as given', () => {
		const ci = wilson(0.3 + 0.7 * (14 / 18), 35.183737294761535);
		expect(ci?.[0]).toBeCloseTo(0.6919, 4);
		expect(ci?.[1]).toBeCloseTo(0.9292, 4);
	});

	it('keeps a width at p = 0 and p = 1 and stays inside [0, 1]', () => {
		const top = wilson(1, 10);
		expect(top?.[1]).toBe(1);
		expect(top?.[0]).toBeGreaterThan(0.6);
		expect(top?.[0]).toBeLessThan(1);
		const bottom = wilson(0, 10);
		expect(bottom?.[0]).toBe(0);
		expect(bottom?.[1]).toBeGreaterThan(0);
		const clipped = wilson(1.2, 10);
		expect(clipped).toEqual(wilson(1, 10));
	});

	it('has no interval without answers and a point for a census', () => {
		expect(wilson(0.5, 0)).toBeNull();
		expect(wilson(0.5, -3)).toBeNull();
		expect(wilson(NaN, 10)).toBeNull();
		expect(wilson(0.8, Infinity)).toEqual([0.8, 0.8]);
	});
});

describe('normalInterval', () => {
	it('is estimate ± z·se clipped to the 0–100 scale', () => {
		const ci = normalInterval(82.03434343434343, 3.3890646988063566);
		expect(ci?.[0]).toBeCloseTo(75.39, 2);
		expect(ci?.[1]).toBeCloseTo(88.68, 2);
		expect(normalInterval(98, 2)).toEqual([98 - 2 * DEFAULT_Z, 100]);
		expect(normalInterval(1, 2)?.[0]).toBe(0);
	});

	it('is null without a usable SE', () => {
		expect(normalInterval(50, null)).toBeNull();
		expect(normalInterval(50, NaN)).toBeNull();
		expect(normalInterval(50, -1)).toBeNull();
		expect(normalInterval(NaN, 1)).toBeNull();
	});
});

describe('fpcFactor', () => {
	it('is sqrt((N − n)/(N − 1))', () => {
		expect(fpcFactor(300, 22)).toBeCloseTo(0.9642, 4);
		expect(fpcFactor(300, 22)).toBeCloseTo(Math.sqrt(278 / 299), 14);
	});

	it('is 1 without a roster and 0 for a complete (or over-complete) roster', () => {
		expect(fpcFactor(null, 22)).toBe(1);
		expect(fpcFactor(undefined, 22)).toBe(1);
		expect(fpcFactor(0, 22)).toBe(1);
		expect(fpcFactor(NaN, 22)).toBe(1);
		expect(fpcFactor(22, 22)).toBe(0);
		expect(fpcFactor(20, 22)).toBe(0);
		expect(fpcFactor(1, 1)).toBe(0);
		expect(fpcFactor(50, 0)).toBe(1);
	});
});

describe('roundTo', () => {
	it('rounds half up without binary noise', () => {
		expect(roundTo(82.0343, 2)).toBe(82.03);
		expect(roundTo(82.035, 2)).toBe(82.04);
		expect(roundTo(1.005, 2)).toBe(1.01);
		expect(roundTo(90.004999, 2)).toBe(90);
		expect(roundTo(12.5, 0)).toBe(13);
		expect(roundTo(NaN, 2)).toBeNaN();
	});
});
