import { describe, expect, it } from 'vitest';
import type { ValueCell } from './group-estimate';
import {
	boundFactors,
	POOLED_STRATUM,
	postStratify,
	type PostStratificationOptions,
	type StratumInput
} from './post-stratification';

const options: PostStratificationOptions = { minStratumSize: 5, weightCap: 5, weightFloor: 0.2 };

/** n unweighted answers of one value. */
function answers(n: number, value = 80): ValueCell[] {
	return n > 0 ? [{ value, n, sumW: n, sumW2: n }] : [];
}

function stratum(
	code: string,
	n: number,
	population: number | null,
	parent: string | null = 'T'
): StratumInput {
	return { code, parent, population, cells: answers(n) };
}

function totalWeight(result: ReturnType<typeof postStratify>): number {
	return result.strata.reduce((t, s) => t + s.factor * s.sumW, 0);
}

describe('postStratify', () => {
	it('reproduces the worked example weights 0.3720 and 3.6167', () => {
		const r = postStratify([stratum('A', 75, 3000), stratum('B', 18, 7000)], options);
		expect(r.collapsed).toBe(false);
		expect(r.trimmed).toBe(false);
		const [a, b] = r.strata;
		expect(a.code).toBe('A');
		expect(a.factor).toBeCloseTo(0.372, 4);
		expect(b.factor).toBeCloseTo(3.6167, 4);
		expect(a.share).toBeCloseTo(0.3, 12);
		expect(b.share).toBeCloseTo(0.7, 12);
		expect(totalWeight(r)).toBeCloseTo(93, 10);
	});

	it('collapses strata below the minimum into their parent, summing populations', () => {
		const r = postStratify(
			[stratum('A', 40, 3000), stratum('C', 3, 500), stratum('D', 4, 1500), stratum('E', 0, 800)],
			options
		);
		expect(r.collapsed).toBe(true);
		expect(r.strata.map((s) => [s.code, s.members, s.population, s.n])).toEqual([
			['A', ['A'], 3000, 40],
			['T', ['C', 'D'], 2000, 7]
		]);
		// The area without answers is ignored: shares are 3000 : 2000.
		expect(r.strata[0].share).toBeCloseTo(0.6, 12);
	});

	it('climbs further up when a parent lookup is given', () => {
		const parentOf = (code: string) => (code === 'V' ? 'T' : null);
		const r = postStratify(
			[
				stratum('A', 40, 3000, 'T'),
				{ code: 'G1', parent: 'V', population: 100, cells: answers(2) },
				{ code: 'G2', parent: 'V', population: 100, cells: answers(1) },
				stratum('C', 3, 300, 'T'),
				stratum('B', 30, 2000, 'T')
			],
			{ ...options, parentOf }
		);
		// G1+G2 (3 answers) become V, still too small, so V joins C's collapsed stratum T.
		expect(r.strata.map((s) => [s.code, s.members, s.population, s.n])).toEqual([
			['A', ['A'], 3000, 40],
			['B', ['B'], 2000, 30],
			['T', ['C', 'G1', 'G2'], 500, 6]
		]);
	});

	it('pools small top-level strata, and merges a pool that is still small into the largest', () => {
		const pooled = postStratify(
			[stratum('X', 30, 1000, null), stratum('Y', 3, 1000, null), stratum('Z', 4, 1000, null)],
			options
		);
		expect(pooled.strata.map((s) => [s.code, s.members, s.n])).toEqual([
			[POOLED_STRATUM, ['Y', 'Z'], 7],
			['X', ['X'], 30]
		]);
		const merged = postStratify(
			[stratum('X', 30, 1000, null), stratum('W', 20, 1000, null), stratum('Y', 2, 1000, null)],
			options
		);
		expect(merged.strata.map((s) => [s.code, s.members, s.population])).toEqual([
			['W', ['W'], 1000],
			['X', ['X', 'Y'], 2000]
		]);
	});

	it('leaves a single small stratum alone (no re-weighting possible)', () => {
		const r = postStratify([stratum('A', 3, 3000)], options);
		expect(r.strata).toHaveLength(1);
		expect(r.strata[0].factor).toBe(1);
		expect(r.strata[0].share).toBe(1);
	});

	it('caps weights at 5× the mean and redistributes the excess', () => {
		// B holds 99 % of the population but 5 % of the answers: g0 = 19.8.
		const r = postStratify([stratum('A', 95, 100, null), stratum('B', 5, 9900, null)], options);
		expect(r.trimmed).toBe(true);
		const [a, b] = r.strata;
		expect(b.factor).toBeCloseTo(5, 12);
		expect(a.factor).toBeCloseTo(75 / 95, 12);
		expect(totalWeight(r)).toBeCloseTo(100, 10);
		expect(b.targetShare).toBeCloseTo(0.99, 12);
		expect(b.share).toBeCloseTo(0.25, 12);
	});

	it('floors weights at 0.2× the mean and takes the difference from the others', () => {
		const r = postStratify([stratum('A', 50, 9900, null), stratum('B', 50, 100, null)], options);
		const [a, b] = r.strata;
		expect(b.factor).toBeCloseTo(0.2, 12);
		expect(a.factor).toBeCloseTo(1.8, 12);
		expect(totalWeight(r)).toBeCloseTo(100, 10);
	});

	it('keeps every factor inside the bounds after redistribution', () => {
		const r = postStratify(
			[
				stratum('A', 200, 10, null),
				stratum('B', 5, 5000, null),
				stratum('C', 6, 5000, null),
				stratum('D', 50, 100, null)
			],
			options
		);
		for (const s of r.strata) {
			expect(s.factor).toBeGreaterThanOrEqual(0.2 - 1e-12);
			expect(s.factor).toBeLessThanOrEqual(5 + 1e-12);
		}
		expect(totalWeight(r)).toBeCloseTo(261, 9);
	});

	it('lets strata without population, and answers outside the frame, keep their sample share', () => {
		const r = postStratify(
			[
				stratum('A', 40, 3000),
				stratum('B', 40, 0),
				{
					code: '(outside)',
					parent: null,
					population: null,
					outsideFrame: true,
					cells: answers(2)
				},
				stratum('C', 18, 7000)
			],
			options
		);
		const byCode = Object.fromEntries(r.strata.map((s) => [s.code, s]));
		expect(byCode.B.selfRepresenting).toBe(true);
		expect(byCode.B.factor).toBe(1);
		expect(byCode['(outside)'].selfRepresenting).toBe(true);
		expect(byCode['(outside)'].n).toBe(2);
		// The remaining 58 % of the weight is split 3 : 7 between A and C.
		expect(byCode.A.share).toBeCloseTo(0.58 * 0.3, 12);
		expect(byCode.C.share).toBeCloseTo(0.58 * 0.7, 12);
	});

	it('treats every stratum as self-representing when no population is known', () => {
		const r = postStratify([stratum('A', 10, null), stratum('B', 30, NaN)], options);
		expect(r.strata.every((s) => s.factor === 1 && s.selfRepresenting)).toBe(true);
	});

	it('does not depend on input order', () => {
		const input = [
			stratum('A', 40, 3000),
			stratum('C', 3, 500),
			stratum('B', 18, 7000),
			stratum('D', 4, 1500)
		];
		expect(postStratify([...input].reverse(), options)).toEqual(postStratify(input, options));
	});

	it('ignores strata without answers or weight, and merges repeated codes', () => {
		const r = postStratify(
			[
				stratum('A', 10, 3000),
				{ code: 'A', parent: 'T', population: 3000, cells: answers(5) },
				{ code: 'Z', parent: 'T', population: 100, cells: [{ value: 80, n: 9, sumW: 0, sumW2: 0 }] }
			],
			options
		);
		expect(r.strata).toHaveLength(1);
		expect(r.strata[0].n).toBe(15);
		expect(r.strata[0].population).toBe(3000);
		expect(postStratify([], options).strata).toEqual([]);
	});
});

describe('boundFactors', () => {
	it('is the identity when nothing is out of bounds', () => {
		expect(
			boundFactors(
				[
					{ sumW: 10, g: 1.5 },
					{ sumW: 10, g: 0.5 }
				],
				0.2,
				5
			)
		).toEqual({
			g: [1.5, 0.5],
			trimmed: false
		});
	});

	it('forces all factors to 1 when cap and floor are both 1', () => {
		const r = boundFactors(
			[
				{ sumW: 10, g: 1.9 },
				{ sumW: 10, g: 0.1 }
			],
			1,
			1
		);
		expect(r.g[0]).toBeCloseTo(1, 12);
		expect(r.g[1]).toBeCloseTo(1, 12);
	});
});
