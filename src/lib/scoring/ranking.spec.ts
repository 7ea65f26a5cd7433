import { describe, expect, it } from 'vitest';
import { compareScores, competitionRanks, rankCategory, type RankEntry } from './ranking';

const zhen1: RankEntry = {
	unit: 'zhen1',
	score: 82.03434343434343,
	se: 3.3890646988063566,
	rankable: true
};
const zhen2: RankEntry = { unit: 'zhen2', score: 85.1, se: 2.4, rankable: true };
const zhen3: RankEntry = { unit: 'zhen3', score: 78.5, se: 3.0, rankable: true };

describe('rankCategory', () => {
	it('ranks the worked example 镇2, 镇1, 镇3', () => {
		const r = rankCategory([zhen1, zhen3, zhen2]);
		expect(r.outcomes.map((o) => [o.unit, o.rank, o.rankOf])).toEqual([
			['zhen2', 1, 3],
			['zhen1', 2, 3],
			['zhen3', 3, 3]
		]);
		expect(r.mean).toBeCloseTo((85.1 + 82.03434343434343 + 78.5) / 3, 12);
	});

	it('labels the last unit 末位 only when its CI upper bound is below the category mean', () => {
		// 78.5 + 1.96·3.0 = 84.38 ≥ mean 81.88: not significant.
		const wide = rankCategory([zhen1, zhen2, zhen3]).outcomes.find((o) => o.unit === 'zhen3');
		expect(wide).toMatchObject({ bottom: false, bottomNotSignificant: true });
		// 78.5 + 1.96·1.0 = 80.46 < 81.88: bottom.
		const narrow = rankCategory([zhen1, zhen2, { ...zhen3, se: 1 }]).outcomes.find(
			(o) => o.unit === 'zhen3'
		);
		expect(narrow).toMatchObject({ bottom: true, bottomNotSignificant: false });
		// Without an SE the difference cannot be shown.
		const noSe = rankCategory([zhen1, zhen2, { ...zhen3, se: null }]).outcomes.find(
			(o) => o.unit === 'zhen3'
		);
		expect(noSe).toMatchObject({ bottom: false, bottomNotSignificant: true });
		const others = rankCategory([zhen1, zhen2, zhen3]).outcomes.filter((o) => o.unit !== 'zhen3');
		expect(others.every((o) => !o.bottom && !o.bottomNotSignificant)).toBe(true);
	});

	it('leaves non-rankable units and units without a score out of the ranking and the mean', () => {
		const r = rankCategory([
			zhen1,
			zhen2,
			{ unit: 'zhen4', score: 10, se: 1, rankable: false },
			{ unit: 'zhen5', score: null, se: null, rankable: true }
		]);
		expect(r.nRanked).toBe(2);
		expect(r.mean).toBeCloseTo((85.1 + 82.03434343434343) / 2, 12);
		const z4 = r.outcomes.find((o) => o.unit === 'zhen4');
		expect(z4).toEqual({
			unit: 'zhen4',
			rank: null,
			rankOf: 2,
			bottom: false,
			bottomNotSignificant: false
		});
		expect(r.outcomes.map((o) => o.unit)).toEqual(['zhen2', 'zhen1', 'zhen4', 'zhen5']);
	});

	it('has no bottom in a category of one unit or when everyone ties', () => {
		const one = rankCategory([zhen1]);
		expect(one.outcomes[0]).toMatchObject({
			rank: 1,
			rankOf: 1,
			bottom: false,
			bottomNotSignificant: false
		});
		const tied = rankCategory([
			{ ...zhen1, unit: 'a', score: 80, se: 0 },
			{ ...zhen1, unit: 'b', score: 80.001, se: 0 }
		]);
		expect(tied.outcomes.map((o) => [o.rank, o.bottom, o.bottomNotSignificant])).toEqual([
			[1, false, false],
			[1, false, false]
		]);
	});

	it('applies the bottom rule to every unit tied for last place', () => {
		const r = rankCategory([
			{ unit: 'a', score: 90, se: 1, rankable: true },
			{ unit: 'b', score: 70, se: 1, rankable: true },
			{ unit: 'c', score: 70.004, se: 1, rankable: true }
		]);
		expect(r.outcomes.map((o) => [o.unit, o.rank, o.bottom])).toEqual([
			['a', 1, false],
			['b', 2, true],
			['c', 2, true]
		]);
	});

	it('returns an empty ranking for an empty category', () => {
		expect(rankCategory([])).toEqual({ mean: null, nRanked: 0, outcomes: [] });
	});
});

describe('competitionRanks', () => {
	it('gives tied scores (after rounding to 2 decimals) the same rank and skips the next', () => {
		const ranks = competitionRanks([
			{ unit: 'a', score: 90.004 },
			{ unit: 'b', score: 90.001 },
			{ unit: 'c', score: 85 },
			{ unit: 'd', score: 85.0049 },
			{ unit: 'e', score: 84.9951 }
		]);
		expect(Object.fromEntries(ranks)).toEqual({ a: 1, b: 1, c: 3, d: 3, e: 3 });
	});

	it('separates scores that round differently', () => {
		const ranks = competitionRanks([
			{ unit: 'a', score: 90.005 },
			{ unit: 'b', score: 90.004 }
		]);
		expect(Object.fromEntries(ranks)).toEqual({ a: 1, b: 2 });
	});

	it('honours the number of decimals', () => {
		const ranks = competitionRanks(
			[
				{ unit: 'a', score: 90.4 },
				{ unit: 'b', score: 89.6 }
			],
			0
		);
		expect(Object.fromEntries(ranks)).toEqual({ a: 1, b: 1 });
	});
});

describe('compareScores', () => {
	it('reproduces 镇2 vs 镇1: z = 0.738, p = 0.460, not significant', () => {
		const c = compareScores(zhen2, zhen1);
		expect(c?.z).toBeCloseTo(0.738, 3);
		expect(c?.p).toBeCloseTo(0.46, 2);
		expect(c?.p).toBeCloseTo(0.4605, 3);
		expect(c?.significant).toBe(false);
	});

	it('is antisymmetric in z and symmetric in p', () => {
		const ab = compareScores(zhen2, zhen1);
		const ba = compareScores(zhen1, zhen2);
		expect(ba?.z).toBeCloseTo(-(ab?.z as number), 14);
		expect(ba?.p).toBeCloseTo(ab?.p as number, 14);
	});

	it('detects a large difference', () => {
		const c = compareScores({ score: 90, se: 1 }, { score: 80, se: 1 });
		expect(c?.significant).toBe(true);
		expect(c?.p).toBeLessThan(1e-10);
	});

	it('is null when a score or an SE is missing, or both SEs are 0', () => {
		expect(compareScores({ score: null, se: 1 }, zhen1)).toBeNull();
		expect(compareScores({ score: 80, se: null }, zhen1)).toBeNull();
		expect(compareScores({ score: 80, se: 0 }, { score: 70, se: 0 })).toBeNull();
	});
});
