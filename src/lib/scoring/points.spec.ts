import { describe, expect, it } from 'vitest';
import { computePoints } from './points';

const example = [
	{ unit: 'zhen2', score: 85.1, rank: 1 },
	{ unit: 'zhen1', score: 82.03434343434343, rank: 2 },
	{ unit: 'zhen3', score: 78.5, rank: 3 }
];

function rounded(points: Map<string, number>, decimals: number): Record<string, string> {
	return Object.fromEntries([...points].map(([k, v]) => [k, v.toFixed(decimals)]));
}

describe('computePoints', () => {
	it('proportional: full × S / 100 → 8.51 / 8.20 / 7.85', () => {
		const p = computePoints(example, { mode: 'proportional', fullPoints: 10 });
		expect(rounded(p, 2)).toEqual({ zhen2: '8.51', zhen1: '8.20', zhen3: '7.85' });
		expect(p.get('zhen1')).toBeCloseTo(8.2034343, 6);
	});

	it('category_relative (b = 0.6): 10.00 / 8.14 / 6.00', () => {
		const p = computePoints(example, { mode: 'category_relative', fullPoints: 10, base: 0.6 });
		expect(rounded(p, 2)).toEqual({ zhen2: '10.00', zhen1: '8.14', zhen3: '6.00' });
	});

	it('rank_step (0.2): 10.0 / 9.8 / 9.6', () => {
		const p = computePoints(example, { mode: 'rank_step', fullPoints: 10, step: 0.2 });
		expect(rounded(p, 1)).toEqual({ zhen2: '10.0', zhen1: '9.8', zhen3: '9.6' });
	});

	it('rank_step gives tied units the same points and follows competition ranks', () => {
		const p = computePoints(
			[
				{ unit: 'a', score: 90, rank: 1 },
				{ unit: 'b', score: 90, rank: 1 },
				{ unit: 'c', score: 80, rank: 3 }
			],
			{ mode: 'rank_step', fullPoints: 10, step: 0.2 }
		);
		expect(rounded(p, 1)).toEqual({ a: '10.0', b: '10.0', c: '9.6' });
	});

	it('rank_step never goes below the floor', () => {
		const p = computePoints([{ unit: 'last', score: 10, rank: 60 }], {
			mode: 'rank_step',
			fullPoints: 10,
			step: 0.2
		});
		expect(p.get('last')).toBe(0);
		const floored = computePoints([{ unit: 'last', score: 10, rank: 60 }], {
			mode: 'rank_step',
			fullPoints: 10,
			step: 0.2,
			floor: 2
		});
		expect(floored.get('last')).toBe(2);
	});

	it('category_relative gives everyone full points when all scores are equal', () => {
		const p = computePoints(
			[
				{ unit: 'a', score: 80, rank: 1 },
				{ unit: 'b', score: 80, rank: 1 }
			],
			{ mode: 'category_relative', fullPoints: 10 }
		);
		expect([...p.values()]).toEqual([10, 10]);
		const single = computePoints([{ unit: 'a', score: 50, rank: 1 }], {
			mode: 'category_relative',
			fullPoints: 10
		});
		expect(single.get('a')).toBe(10);
	});

	it('uses unrounded scores', () => {
		const p = computePoints(
			[
				{ unit: 'a', score: 80.004, rank: 1 },
				{ unit: 'b', score: 80.001, rank: 1 }
			],
			{ mode: 'proportional', fullPoints: 50 }
		);
		expect(p.get('a')).toBeCloseTo(40.002, 12);
		expect(p.get('b')).toBeCloseTo(40.0005, 12);
	});

	it('skips entries without a score (or, for rank_step, a rank) and survives bad full points', () => {
		const p = computePoints(
			[
				{ unit: 'a', score: null, rank: null },
				{ unit: 'b', score: 80, rank: null },
				{ unit: 'c', score: NaN, rank: 1 }
			],
			{ mode: 'rank_step', fullPoints: 10 }
		);
		expect(p.size).toBe(0);
		const bad = computePoints([{ unit: 'a', score: 80, rank: 1 }], {
			mode: 'proportional',
			fullPoints: NaN
		});
		expect(bad.get('a')).toBe(0);
		expect(computePoints([], { mode: 'category_relative', fullPoints: 10 }).size).toBe(0);
	});
});
