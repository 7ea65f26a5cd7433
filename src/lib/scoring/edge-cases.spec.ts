import { describe, expect, it } from 'vitest';
import { defaultCycleConfig, type CycleConfig } from '$lib/schemas/cycle-config';
import type { AnswerCell } from './cells';
import { computeScores, type ScoringInput, type UnitScore } from './compute-scores';
import { nonFiniteNumbers, prng } from './testing/prng';
import {
	exampleAreas,
	exampleCells,
	exampleGroups,
	townshipCategory
} from './testing/worked-example';

function score(input: Partial<ScoringInput>) {
	const result = computeScores({
		cells: [],
		units: [{ code: 'u1', category: 'township', area: 'T1' }],
		categories: [townshipCategory],
		groups: exampleGroups,
		areas: exampleAreas,
		...input
	});
	expect(nonFiniteNumbers(result)).toEqual([]);
	return result;
}

function only(result: ReturnType<typeof computeScores>): UnitScore {
	expect(result.units).toHaveLength(1);
	return result.units[0];
}

const cell = (
	group: string,
	value: number | null,
	n: number,
	area: string | null = null
): AnswerCell => ({
	unit: 'u1',
	group,
	area,
	value,
	n
});

describe('edge cases never give NaN, Infinity or an exception', () => {
	it('a cycle without answers', () => {
		const result = score({
			units: [
				{ code: 'u1', category: 'township' },
				{ code: 'u2', category: 'township' }
			]
		});
		for (const u of result.units) {
			expect(u).toMatchObject({
				score: null,
				satisfactionRate: null,
				dkShare: null,
				ci: null,
				se: null,
				rank: null,
				rankOf: 0,
				points: null,
				nValid: 0,
				nEff: 0,
				rankable: false
			});
			expect(u.flags).toEqual(
				expect.arrayContaining([
					'no_answers',
					'not_rankable:no_score',
					'not_rankable:too_few_answers'
				])
			);
		}
		expect(result.categories).toEqual([
			{ category: 'township', nUnits: 2, nRanked: 0, mean: null }
		]);
	});

	it('no units and no categories at all', () => {
		expect(computeScores({ cells: [], units: [], categories: [] })).toEqual({
			units: [],
			categories: [],
			flags: []
		});
	});

	it('a unit answered only with 不了解', () => {
		const u = only(score({ cells: [cell('residents', null, 12, 'A'), cell('deputies', null, 3)] }));
		expect(u.score).toBeNull();
		expect(u.dkShare).toBe(1);
		expect(u.nDontKnow).toBe(15);
		expect(u.flags).toContain('all_dont_know');
		expect(u.flags).toContain('high_dk_share');
		expect(u.groups.find((g) => g.group === 'residents')?.dkShare).toBe(1);
	});

	it('a single answer: a score, but no SE, no CI, no rank', () => {
		const u = only(score({ cells: [cell('residents', 80, 1, 'A')] }));
		expect(u.score).toBe(80);
		expect(u.se).toBeNull();
		expect(u.ci).toBeNull();
		expect(u.rank).toBeNull();
		expect(u.points).toBeNull();
		expect(u.flags).toEqual(
			expect.arrayContaining([
				'single_answer:residents',
				'se_unavailable',
				'score_from_groups_below_minimum',
				'not_rankable:no_score'
			])
		);
		const g = u.groups.find((x) => x.group === 'residents');
		expect(g?.rateCi).not.toBeNull();
	});

	it('everyone satisfied: score 100, SE 0, Wilson upper bound exactly 1', () => {
		const cells = [
			cell('residents', 100, 40, 'A'),
			cell('residents', 100, 30, 'B'),
			cell('service_recipients', 100, 30),
			cell('deputies', 100, 20)
		];
		const u = only(score({ cells }));
		expect(u.score).toBe(100);
		expect(u.se).toBe(0);
		expect(u.ci).toEqual([100, 100]);
		expect(u.satisfactionRate).toBe(1);
		for (const g of u.groups) {
			expect(g.rateCi?.[1]).toBe(1);
			expect(g.rateCi?.[0]).toBeGreaterThan(0.8);
		}
		expect(u.rank).toBe(1);
		expect(u.points).toBe(10);
	});

	it('a category with one unit: rank 1 of 1, no bottom label, full relative points', () => {
		const result = score({
			cells: exampleCells('u1'),
			points: { mode: 'category_relative', fullPoints: 10 }
		});
		const u = only(result);
		expect(u).toMatchObject({ rank: 1, rankOf: 1, bottom: false, points: 10 });
		expect(u.flags).not.toContain('bottom_not_significant');
	});

	it('a weighted group without data is dropped and flagged', () => {
		const cells = exampleCells('u1').filter((c) => c.group !== 'deputies');
		const u = only(score({ cells }));
		expect(u.score).toBeCloseTo(77.8413, 4);
		expect(u.flags).toContain('group_no_data:deputies');
		const d = u.groups.find((g) => g.group === 'deputies');
		expect(d).toMatchObject({ score: null, nValid: 0, nEff: 0, dkShare: null, se: null });
	});

	it('missing populations (0) for every area: flagged, residents left unweighted', () => {
		const areas = exampleAreas.map((a) => ({ ...a, population: 0 }));
		const u = only(score({ cells: exampleCells('u1'), areas }));
		expect(u.flags).toEqual(expect.arrayContaining(['no_population:A', 'no_population:B']));
		expect(u.groups.find((g) => g.group === 'residents')?.score).toBeCloseTo(88.8172, 4);
	});

	it('answers whose weights are all zero count as answers but give no score', () => {
		const u = only(
			score({
				cells: [{ unit: 'u1', group: 'residents', area: 'A', value: 80, n: 5, sumW: 0, sumW2: 0 }]
			})
		);
		expect(u.score).toBeNull();
		expect(u.nValid).toBe(5);
		expect(u.flags).toContain('zero_weight:residents');
	});

	it('garbage cells, weights, areas and configuration', () => {
		const config: CycleConfig = {
			...defaultCycleConfig(),
			confidenceLevel: 1.5,
			satisfiedThreshold: NaN,
			rankDecimals: NaN,
			postStratification: { enabled: true, minStratumSize: 0, weightCap: NaN, weightFloor: -1 },
			rankable: { minGroups: NaN, minValid: -5 }
		};
		const result = score({
			config,
			cells: [
				cell('residents', NaN, 3, 'A'),
				cell('residents', 80, -1, 'A'),
				cell('residents', 80, 3, 'loop1'),
				cell('residents', 60, 4, 'B'),
				{ unit: 'u1', group: 'deputies', area: null, value: 80, n: 2, sumW: Infinity },
				{ unit: 'u1', group: 'deputies', area: null, value: 60, n: 2, sumW: 1e308, sumW2: 1e308 }
			],
			areas: [
				...exampleAreas.map((a) => ({ ...a, population: a.code === 'B' ? NaN : a.population })),
				{ code: 'loop1', parent: 'loop2', population: 10 },
				{ code: 'loop2', parent: 'loop1', population: 10 }
			],
			categories: [{ code: 'township', weights: { residents: Infinity, deputies: -1 } }],
			groups: [{ code: 'residents', minValid: NaN, rosterSize: -4 }],
			points: { mode: 'category_relative', fullPoints: NaN }
		});
		expect(only(result).flags).toContain('invalid_cells_ignored');
	});

	it('random garbage never breaks it', () => {
		const rng = prng(20250101);
		const weird = [0, -1, 1, 2.5, 100, 101, NaN, Infinity, -Infinity, 1e-300, 1e300];
		for (let trial = 0; trial < 300; trial++) {
			const cells: AnswerCell[] = [];
			for (let i = rng.int(0, 12); i > 0; i--) {
				const c: AnswerCell = {
					unit: rng.pick(['u1', 'u2', 'x']),
					group: rng.pick(['residents', 'deputies', 'service_recipients', 'other']),
					area: rng.pick(['A', 'B', 'T1', null, 'zz']),
					value: rng.pick([null, 0, 30, 60, 80, 100, rng.pick(weird)]),
					n: rng.pick([1, 2, 5, 40, rng.pick(weird)])
				};
				if (rng.next() < 0.3) c.sumW = rng.pick(weird);
				if (rng.next() < 0.3) c.sumW2 = rng.pick(weird);
				cells.push(c);
			}
			const result = score({
				cells,
				units: [
					{ code: 'u1', category: 'township', area: rng.pick(['T1', null, 'A', 'zz']) },
					{ code: 'u2', category: rng.pick(['township', 'other']) }
				],
				areas: exampleAreas.map((a) => ({ ...a, population: rng.pick([a.population, ...weird]) })),
				points: {
					mode: rng.pick(['proportional', 'category_relative', 'rank_step'] as const),
					fullPoints: rng.pick([10, ...weird])
				}
			});
			expect(result.units).toHaveLength(2);
		}
	});
});
