import { describe, expect, it } from 'vitest';
import { estimateGroup, kishNEff, moments, type ValueCell } from './group-estimate';

/** Unweighted cells from [value, count] pairs. */
function plain(pairs: [number, number][]): ValueCell[] {
	return pairs.map(([value, n]) => ({ value, n, sumW: n, sumW2: n }));
}

const villageA = plain([
	[100, 60],
	[80, 10],
	[60, 5]
]);
const villageB = plain([
	[100, 6],
	[80, 4],
	[60, 4],
	[0, 4]
]);
const serviceRecipients = plain([
	[100, 20],
	[80, 6],
	[60, 3],
	[0, 1]
]);
const deputies = plain([
	[100, 15],
	[80, 5],
	[60, 2]
]);

describe('moments', () => {
	it('gives the worked example means and n − 1 variances', () => {
		const a = moments(villageA);
		expect(a?.mean).toBeCloseTo(94.6667, 4);
		expect(a?.variance).toBeCloseTo(133.333, 3);
		expect(a?.rate).toBe(1);
		const b = moments(villageB);
		expect(b?.mean).toBeCloseTo(64.4444, 4);
		expect(b?.variance).toBeCloseTo(1484.967, 3);
		expect(b?.rate).toBeCloseTo(14 / 18, 12);
	});

	it('has no variance for a single answer and nothing for no answers', () => {
		expect(moments(plain([[80, 1]]))?.variance).toBeNull();
		expect(moments([])).toBeNull();
		expect(moments([{ value: 80, n: 3, sumW: 0, sumW2: 0 }])).toBeNull();
	});

	it('does not change when all weights are scaled by the same factor', () => {
		const scaled = villageB.map((c) => ({ ...c, sumW: c.sumW * 0.25, sumW2: c.sumW2 * 0.0625 }));
		const m0 = moments(villageB);
		const m1 = moments(scaled);
		expect(m1?.mean).toBeCloseTo(m0?.mean as number, 12);
		expect(m1?.variance).toBeCloseTo(m0?.variance as number, 9);
		expect(m1?.nEff).toBeCloseTo(18, 12);
	});

	it('uses the satisfied threshold', () => {
		expect(moments(villageB, 80)?.rate).toBeCloseTo(10 / 18, 12);
	});
});

describe('kishNEff', () => {
	it('is (Σw)²/Σw² and 0 without weight', () => {
		expect(kishNEff(93, 75 * 0.372 ** 2 + 18 * (0.7 / (18 / 93)) ** 2)).toBeCloseTo(35.18, 2);
		expect(kishNEff(10, 10)).toBe(10);
		expect(kishNEff(0, 0)).toBe(0);
		expect(kishNEff(NaN, 1)).toBe(0);
	});
});

describe('estimateGroup', () => {
	it('single stratum: normal SE s/√n (service recipients 3.9168, deputies 2.8404)', () => {
		const sr = estimateGroup([{ cells: serviceRecipients, factor: 1 }]);
		expect(sr?.score).toBeCloseTo(88.6667, 4);
		expect(sr?.se).toBeCloseTo(3.9168, 4);
		expect(sr?.rateCi?.[0]).toBeCloseTo(0.8333, 4);
		expect(sr?.rateCi?.[1]).toBeCloseTo(0.9941, 4);
		expect(sr?.nEff).toBe(30);
		const dep = estimateGroup([{ cells: deputies, factor: 1 }]);
		expect(dep?.score).toBeCloseTo(91.8182, 4);
		expect(dep?.se).toBeCloseTo(2.8404, 4);
		expect(dep?.rateCi?.[0]).toBeCloseTo(0.8513, 4);
		expect(dep?.rateCi?.[1]).toBe(1);
	});

	it('post-stratified residents: 73.5111, SE 6.3706, n_eff 35.18, rate 84.44 % [0.6919, 0.9292]', () => {
		const est = estimateGroup([
			{ cells: villageA, factor: 0.3 / (75 / 93) },
			{ cells: villageB, factor: 0.7 / (18 / 93) }
		]);
		expect(est?.score).toBeCloseTo(73.5111, 4);
		expect(est?.se).toBeCloseTo(6.3706, 4);
		expect(est?.nEff).toBeCloseTo(35.18, 2);
		expect(est?.rate).toBeCloseTo(0.8444, 4);
		expect(est?.rateCi?.[0]).toBeCloseTo(0.6919, 4);
		expect(est?.rateCi?.[1]).toBeCloseTo(0.9292, 4);
		expect(est?.nValid).toBe(93);
		expect(est?.ci?.[0]).toBeCloseTo(73.5111 - 1.959964 * 6.3706, 3);
	});

	it('unweighted residents: 88.8172, SE 2.378, Wilson 89/93 [0.8946, 0.9831]', () => {
		const est = estimateGroup([{ cells: [...villageA, ...villageB], factor: 1 }]);
		expect(est?.score).toBeCloseTo(88.8172, 4);
		expect(est?.se).toBeCloseTo(2.378, 3);
		expect(est?.rate).toBeCloseTo(89 / 93, 12);
		expect(est?.rateCi?.[0]).toBeCloseTo(0.8946, 4);
		expect(est?.rateCi?.[1]).toBeCloseTo(0.9831, 4);
	});

	it('applies the finite-population correction for a closed roster', () => {
		const open = estimateGroup([{ cells: deputies, factor: 1 }]);
		const closed = estimateGroup([{ cells: deputies, factor: 1 }], { rosterSize: 300 });
		expect(closed?.fpc).toBeCloseTo(0.9642, 4);
		expect(closed?.se).toBeCloseTo((open?.se as number) * Math.sqrt(278 / 299), 12);
		expect(closed?.score).toBe(open?.score);
		// The rate interval narrows too (n_eff / fpc²).
		expect(closed?.rateCi?.[0]).toBeGreaterThan(open?.rateCi?.[0] as number);
	});

	it('a census of the roster has SE 0 and a point interval for the rate', () => {
		const census = estimateGroup([{ cells: deputies, factor: 1 }], { rosterSize: 22 });
		expect(census?.se).toBe(0);
		expect(census?.ci).toEqual([census?.score, census?.score]);
		expect(census?.rateCi).toEqual([1, 1]);
	});

	it('a single answer has a score and a rate interval but no SE', () => {
		const est = estimateGroup([{ cells: plain([[80, 1]]), factor: 1 }]);
		expect(est?.score).toBe(80);
		expect(est?.se).toBeNull();
		expect(est?.ci).toBeNull();
		expect(est?.rateCi).not.toBeNull();
	});

	it('all answers identical: SE 0, Wilson still has width', () => {
		const est = estimateGroup([{ cells: plain([[100, 40]]), factor: 1 }]);
		expect(est?.score).toBe(100);
		expect(est?.se).toBe(0);
		expect(est?.ci).toEqual([100, 100]);
		expect(est?.rateCi?.[1]).toBe(1);
		expect(est?.rateCi?.[0]).toBeLessThan(1);
	});

	it('a stratum with one answer borrows the group variance', () => {
		const est = estimateGroup([
			{ cells: villageA, factor: 1 },
			{ cells: plain([[0, 1]]), factor: 1 }
		]);
		expect(est?.varianceFallback).toBe(true);
		expect(est?.se).not.toBeNull();
		expect(Number.isFinite(est?.se)).toBe(true);
	});

	it('is null without answers with positive weight', () => {
		expect(estimateGroup([])).toBeNull();
		expect(estimateGroup([{ cells: [], factor: 1 }])).toBeNull();
		expect(estimateGroup([{ cells: villageA, factor: 0 }])).toBeNull();
	});

	it('equal non-unit weights give the unweighted result', () => {
		const half = villageB.map((c) => ({ ...c, sumW: c.n * 0.5, sumW2: c.n * 0.25 }));
		const a = estimateGroup([{ cells: villageB, factor: 1 }]);
		const b = estimateGroup([{ cells: half, factor: 1 }]);
		expect(b?.score).toBeCloseTo(a?.score as number, 12);
		expect(b?.se).toBeCloseTo(a?.se as number, 12);
		expect(b?.nEff).toBeCloseTo(18, 12);
	});

	it('down-weighted answers count less and lower n_eff', () => {
		const cells: ValueCell[] = [
			{ value: 100, n: 20, sumW: 20 * 0.25, sumW2: 20 * 0.0625 },
			...plain([[0, 20]])
		];
		const est = estimateGroup([{ cells, factor: 1 }]);
		expect(est?.score).toBeCloseTo((100 * 5) / 25, 12);
		expect(est?.nEff).toBeCloseTo(25 ** 2 / (20 * 0.0625 + 20), 12);
		expect(est?.nEff).toBeLessThan(40);
	});
});
