import { describe, expect, it } from 'vitest';
import { defaultCycleConfig, type CycleConfig } from '$lib/schemas/cycle-config';
import type { AnswerCell } from './cells';
import { computeScores, type ScoringInput, type UnitScore } from './compute-scores';
import { computePoints } from './points';
import { rankCategory } from './ranking';
import {
	exampleAreas,
	exampleCells,
	exampleGroups,
	exampleUnit,
	townshipCategory,
	ZHEN1
} from './testing/worked-example';

function run(overrides: Partial<ScoringInput> = {}) {
	return computeScores({
		cells: exampleCells(),
		units: [exampleUnit],
		categories: [townshipCategory],
		groups: exampleGroups,
		areas: exampleAreas,
		...overrides
	});
}

function withConfig(patch: Partial<CycleConfig>): CycleConfig {
	return { ...defaultCycleConfig(), ...patch };
}

function unitOf(result: ReturnType<typeof computeScores>, code = ZHEN1): UnitScore {
	const u = result.units.find((x) => x.unit === code);
	if (!u) throw new Error(`no unit ${code}`);
	return u;
}

function groupOf(u: UnitScore, code: string) {
	const g = u.groups.find((x) => x.group === code);
	if (!g) throw new Error(`no group ${code}`);
	return g;
}

describe('worked example (DESIGN.md §6), unit 镇1', () => {
	const u = unitOf(run());
	const residents = groupOf(u, 'residents');
	const sr = groupOf(u, 'service_recipients');
	const deputies = groupOf(u, 'deputies');

	it('village means 94.6667 and 64.4444, weights 0.3720 and 3.6167', () => {
		const [a, b] = residents.strata ?? [];
		expect(a.code).toBe('A');
		expect(a.weight).toBeCloseTo(0.372, 4);
		expect(b.weight).toBeCloseTo(3.6167, 4);
		expect(a.share).toBeCloseTo(0.3, 12);
		expect(b.share).toBeCloseTo(0.7, 12);
		// S = 0.3·x̄_A + 0.7·x̄_B, solved for the village means.
		const xA = 7100 / 75;
		const xB = 1160 / 18;
		expect(xA).toBeCloseTo(94.6667, 4);
		expect(xB).toBeCloseTo(64.4444, 4);
		expect(residents.score).toBeCloseTo(0.3 * xA + 0.7 * xB, 12);
	});

	it('residents: unweighted 88.8172, post-stratified 73.5111, n_eff 35.18, SE 6.3706', () => {
		expect(residents.scoreUnadjusted).toBeCloseTo(88.8172, 4);
		expect(residents.score).toBeCloseTo(73.5111, 4);
		expect(residents.nEff).toBeCloseTo(35.18, 2);
		expect(residents.se).toBeCloseTo(6.3706, 4);
		expect(residents.nValid).toBe(93);
		expect(residents.nDontKnow).toBe(7);
		expect(residents.dkShare).toBeCloseTo(0.07, 12);
		expect(residents.qualifies).toBe(true);
	});

	it('residents: weighted satisfaction rate 84.44 %, Wilson with n_eff [0.6919, 0.9292]', () => {
		expect(residents.rate).toBeCloseTo(0.8444, 4);
		expect(residents.rateCi?.[0]).toBeCloseTo(0.6919, 4);
		expect(residents.rateCi?.[1]).toBeCloseTo(0.9292, 4);
	});

	it('service recipients: 88.6667, SE 3.9168, Wilson 29/30 [0.8333, 0.9941]', () => {
		expect(sr.score).toBeCloseTo(88.6667, 4);
		expect(sr.se).toBeCloseTo(3.9168, 4);
		expect(sr.rate).toBeCloseTo(29 / 30, 12);
		expect(sr.rateCi?.[0]).toBeCloseTo(0.8333, 4);
		expect(sr.rateCi?.[1]).toBeCloseTo(0.9941, 4);
		expect(sr.strata).toBeNull();
	});

	it('deputies: 91.8182, SE 2.8404, Wilson 22/22 [0.8513, 1]', () => {
		expect(deputies.score).toBeCloseTo(91.8182, 4);
		expect(deputies.se).toBeCloseTo(2.8404, 4);
		expect(deputies.rateCi?.[0]).toBeCloseTo(0.8513, 4);
		expect(deputies.rateCi?.[1]).toBe(1);
		expect(deputies.dkShare).toBeCloseTo(3 / 25, 12);
	});

	it('composite 82.0343 (89.6874 without post-stratification), SE 3.3891, CI [75.39, 88.68]', () => {
		expect(u.score).toBeCloseTo(82.0343, 4);
		expect(u.scoreUnadjusted).toBeCloseTo(89.6874, 4);
		expect(u.se).toBeCloseTo(3.3891, 4);
		expect(u.ci?.[0]).toBeCloseTo(75.39, 2);
		expect(u.ci?.[1]).toBeCloseTo(88.68, 2);
	});

	it('points (full 10, proportional) 8.20, computed from the unrounded score', () => {
		expect(u.points?.toFixed(2)).toBe('8.20');
		expect(u.points).toBeCloseTo((10 * (u.score as number)) / 100, 12);
	});

	it('unit figures: n and n_eff summed over groups, rate Σ W_g P_g, DK pooled', () => {
		expect(u.nValid).toBe(93 + 30 + 22);
		expect(u.nDontKnow).toBe(10);
		expect(u.nEff).toBeCloseTo(35.1837 + 30 + 22, 4);
		expect(u.satisfactionRate).toBeCloseTo(
			0.5 * (0.3 + 0.7 * (14 / 18)) + 0.2 * (29 / 30) + 0.3,
			12
		);
		expect(u.dkShare).toBeCloseTo(10 / 155, 12);
		expect(u.rankable).toBe(true);
		expect(u.rank).toBe(1);
		expect(u.rankOf).toBe(1);
		expect(u.flags).toEqual([]);
		expect(u.groups.map((g) => [g.group, g.weight, g.appliedWeight, g.used])).toEqual([
			['deputies', 0.3, 0.3, true],
			['residents', 0.5, 0.5, true],
			['service_recipients', 0.2, 0.2, true]
		]);
	});
});

describe('variants of the worked example', () => {
	it('without post-stratification: 89.6874, resident rate 89/93 with Wilson [0.8946, 0.9831]', () => {
		const config = withConfig({
			postStratification: { enabled: false, minStratumSize: 5, weightCap: 5, weightFloor: 0.2 }
		});
		const u = unitOf(run({ config }));
		const residents = groupOf(u, 'residents');
		expect(u.score).toBeCloseTo(89.6874, 4);
		expect(residents.score).toBeCloseTo(88.8172, 4);
		expect(residents.rate).toBeCloseTo(89 / 93, 12);
		expect(residents.rateCi?.[0]).toBeCloseTo(0.8946, 4);
		expect(residents.rateCi?.[1]).toBeCloseTo(0.9831, 4);
		expect(residents.se).toBeCloseTo(2.378, 3);
		expect(residents.strata).toBeNull();
		expect(u.points?.toFixed(2)).toBe('8.97');
	});

	it('deputies below their minimum: S = 77.8413, flagged, weights renormalised', () => {
		const groups = exampleGroups.map((g) => (g.code === 'deputies' ? { ...g, minValid: 30 } : g));
		const u = unitOf(run({ groups }));
		expect(u.score).toBeCloseTo(77.8413, 4);
		expect(u.flags).toContain('group_below_minimum:deputies');
		expect(u.flags).toContain('weights_renormalised');
		const deputies = groupOf(u, 'deputies');
		expect(deputies).toMatchObject({ used: false, qualifies: false, appliedWeight: 0 });
		expect(groupOf(u, 'residents').appliedWeight).toBeCloseTo(0.5 / 0.7, 12);
		expect(u.scoreUnadjusted).toBeCloseTo((0.5 * 88.8172043 + 0.2 * 88.6666667) / 0.7, 6);
		// Still two qualifying groups and 145 answers: rankable.
		expect(u.rankable).toBe(true);
		expect(u.nValid).toBe(145);
	});

	it('the minimum is compared with n_eff, not n: residents need n_eff ≥ 36 to fail', () => {
		const groups = exampleGroups.map((g) => (g.code === 'residents' ? { ...g, minValid: 36 } : g));
		const u = unitOf(run({ groups }));
		expect(u.flags).toContain('group_below_minimum:residents');
		expect(groupOf(u, 'residents').used).toBe(false);
	});

	it('deputies with a closed roster: FPC on the SE and the smaller of 15 and half the roster', () => {
		const groups = exampleGroups.map((g) =>
			g.code === 'deputies' ? { ...g, minValid: 15, rosterSize: 40 } : g
		);
		const d = groupOf(unitOf(run({ groups })), 'deputies');
		expect(d.fpc).toBeCloseTo(Math.sqrt(18 / 39), 12);
		expect(d.se).toBeCloseTo(2.8403679138223805 * Math.sqrt(18 / 39), 10);
		expect(d.minimum).toBe(15);

		const small = exampleGroups.map((g) =>
			g.code === 'deputies' ? { ...g, minValid: 30, rosterSize: 40 } : g
		);
		const d2 = groupOf(unitOf(run({ groups: small })), 'deputies');
		expect(d2.minimum).toBe(20);
		expect(d2.qualifies).toBe(true);
	});

	it('a per-unit roster overrides the group roster; more answers than roster entries is flagged', () => {
		const groups = exampleGroups.map((g) =>
			g.code === 'deputies' ? { ...g, rosterSize: 1000 } : g
		);
		const u = unitOf(run({ groups, units: [{ ...exampleUnit, rosterSizes: { deputies: 20 } }] }));
		const d = groupOf(u, 'deputies');
		expect(d.rosterSize).toBe(20);
		expect(d.minimum).toBe(10);
		expect(d.se).toBe(0);
		expect(u.flags).toContain('roster_exceeded:deputies');
	});

	it('collapses a small village into the township (minStratumSize 20 → unweighted)', () => {
		const config = withConfig({
			postStratification: { enabled: true, minStratumSize: 20, weightCap: 5, weightFloor: 0.2 }
		});
		const u = unitOf(run({ config }));
		const residents = groupOf(u, 'residents');
		expect(residents.score).toBeCloseTo(88.8172, 4);
		expect(residents.strata?.map((s) => [s.code, s.members])).toEqual([['A', ['A', 'B']]]);
		expect(u.flags).toContain('strata_collapsed:residents');
	});

	it('caps weights (cap 3): village B capped at 3× the mean, total weight kept', () => {
		const config = withConfig({
			postStratification: { enabled: true, minStratumSize: 5, weightCap: 3, weightFloor: 0.2 }
		});
		const u = unitOf(run({ config }));
		const residents = groupOf(u, 'residents');
		const [a, b] = residents.strata ?? [];
		expect(b.weight).toBeCloseTo(3, 12);
		expect(a.weight).toBeCloseTo((93 - 54) / 75, 12);
		expect(residents.score).toBeGreaterThan(73.5111);
		expect(residents.score).toBeLessThan(88.8172);
		expect(u.flags).toContain('weights_trimmed:residents');
	});

	it('a narrower confidence level gives narrower intervals', () => {
		const u90 = unitOf(run({ config: withConfig({ confidenceLevel: 0.9 }) }));
		const u95 = unitOf(run());
		expect(u90.ci?.[1]).toBeCloseTo(82.0343 + 1.644854 * 3.3891, 3);
		expect((u90.ci?.[1] as number) - (u90.ci?.[0] as number)).toBeLessThan(
			(u95.ci?.[1] as number) - (u95.ci?.[0] as number)
		);
	});

	it('the satisfied threshold comes from the configuration', () => {
		const u = unitOf(run({ config: withConfig({ satisfiedThreshold: 80 }) }));
		expect(groupOf(u, 'service_recipients').rate).toBeCloseTo(26 / 30, 12);
		expect(u.score).toBeCloseTo(82.0343, 4);
	});

	it('points modes and full points come from the input', () => {
		const u = unitOf(run({ points: { mode: 'proportional', fullPoints: 20 } }));
		expect(u.points).toBeCloseTo(16.4069, 4);
		const single = unitOf(run({ points: { mode: 'category_relative', fullPoints: 10 } }));
		expect(single.points).toBe(10);
	});
});

describe('areas and post-stratification placement', () => {
	const countyAreas = [
		{ code: 'T1', parent: null, population: 6000 },
		{ code: 'T2', parent: null, population: 4000 },
		{ code: 'T1V1', parent: 'T1', population: 3000 },
		{ code: 'T1V2', parent: 'T1', population: 3000 },
		{ code: 'T2V1', parent: 'T2', population: 4000 }
	];
	function dept(cells: AnswerCell[]) {
		return computeScores({
			cells,
			units: [{ code: 'dept', category: 'general' }],
			categories: [{ code: 'general', weights: { residents: 1 } }],
			groups: [{ code: 'residents', minValid: 1 }],
			areas: countyAreas,
			config: withConfig({ rankable: { minGroups: 1, minValid: 0 } })
		});
	}

	it('a department post-stratifies to top-level areas (townships), villages rolled up', () => {
		const u = unitOf(
			dept([
				{ unit: 'dept', group: 'residents', area: 'T1V1', value: 100, n: 10 },
				{ unit: 'dept', group: 'residents', area: 'T1V2', value: 100, n: 20 },
				{ unit: 'dept', group: 'residents', area: 'T2V1', value: 0, n: 10 }
			]),
			'dept'
		);
		const r = groupOf(u, 'residents');
		// Townships use their own populations (6000 : 4000), not the villages'.
		expect(r.strata?.map((s) => [s.code, s.n, s.population])).toEqual([
			['T1', 30, 6000],
			['T2', 10, 4000]
		]);
		expect(r.score).toBeCloseTo(60, 12);
		expect(u.rank).toBe(1);
	});

	it('answers without an area, or with an unknown one, keep their own share and are flagged', () => {
		const u = unitOf(
			dept([
				{ unit: 'dept', group: 'residents', area: 'T1', value: 100, n: 30 },
				{ unit: 'dept', group: 'residents', area: 'T2', value: 0, n: 10 },
				{ unit: 'dept', group: 'residents', area: null, value: 50, n: 5 },
				{ unit: 'dept', group: 'residents', area: 'nowhere', value: 50, n: 5 }
			]),
			'dept'
		);
		const r = groupOf(u, 'residents');
		const outside = r.strata?.find((s) => s.selfRepresenting);
		expect(outside?.n).toBe(10);
		expect(outside?.share).toBeCloseTo(10 / 50, 12);
		expect(r.score).toBeCloseTo(0.8 * (0.6 * 100) + 0.2 * 50, 12);
		expect(u.flags).toContain('unknown_area:residents');
	});

	it('answers from outside a township’s own area are flagged and not re-weighted', () => {
		const cells = [
			...exampleCells(),
			{ unit: ZHEN1, group: 'residents', area: 'X', value: 0, n: 3 }
		];
		const u = unitOf(
			run({ cells, areas: [...exampleAreas, { code: 'X', parent: null, population: 500 }] })
		);
		expect(u.flags).toContain('outside_unit_area:residents');
		expect(groupOf(u, 'residents').strata?.find((s) => s.selfRepresenting)?.n).toBe(3);
	});

	it('an area without population is flagged and keeps its sample share', () => {
		const areas = exampleAreas.map((a) => (a.code === 'B' ? { ...a, population: 0 } : a));
		const u = unitOf(run({ areas }));
		expect(u.flags).toContain('no_population:B');
		const r = groupOf(u, 'residents');
		// A is the only stratum with a population: everything keeps its sample share.
		expect(r.score).toBeCloseTo(88.8172, 4);
	});
});

describe('rankability, categories and flags', () => {
	/** A second and third township built from scaled copies of the worked example. */
	function townships() {
		const shift = (cells: AnswerCell[], unit: string, extraTop: number, extraBottom: number) => [
			...cells.map((c) => ({ ...c, unit })),
			{ unit, group: 'service_recipients', area: null, value: 100, n: extraTop },
			{ unit, group: 'service_recipients', area: null, value: 0, n: extraBottom },
			{ unit, group: 'residents', area: 'B', value: 100, n: extraTop },
			{ unit, group: 'residents', area: 'B', value: 0, n: extraBottom }
		];
		return [
			...exampleCells(),
			...shift(exampleCells('zhen2'), 'zhen2', 12, 0),
			...shift(exampleCells('zhen3'), 'zhen3', 0, 6)
		];
	}
	const units = ['zhen1', 'zhen2', 'zhen3'].map((code) => ({
		code,
		category: 'township',
		area: 'T1'
	}));

	it('ranks a category and matches rankCategory and computePoints on the unit scores', () => {
		for (const mode of ['proportional', 'category_relative', 'rank_step'] as const) {
			const result = run({ cells: townships(), units, points: { mode, fullPoints: 10 } });
			const us = result.units;
			expect(us.map((u) => u.unit)).toEqual(['zhen2', 'zhen1', 'zhen3']);
			expect(us.map((u) => u.rank)).toEqual([1, 2, 3]);
			expect(us.every((u) => u.rankOf === 3)).toBe(true);
			const ranking = rankCategory(us);
			expect(result.categories).toEqual([
				{ category: 'township', nUnits: 3, nRanked: 3, mean: ranking.mean }
			]);
			const points = computePoints(us, { mode, fullPoints: 10, base: 0.6, step: 0.2 });
			for (const u of us) expect(u.points).toBe(points.get(u.unit));
		}
	});

	it('flags the last unit as bottom or bottom-not-significant', () => {
		const us = run({ cells: townships(), units }).units;
		const last = us[2];
		const mean = (us[0].score! + us[1].score! + us[2].score!) / 3;
		const significant = last.score! + 1.959964 * last.se! < mean;
		expect(last.bottom).toBe(significant);
		expect(last.flags).toContain(significant ? 'bottom' : 'bottom_not_significant');
		expect(us[0].flags).not.toContain('bottom_not_significant');
	});

	it('a unit below the answer minimum is not ranked and gets no points', () => {
		const config = withConfig({ rankable: { minGroups: 2, minValid: 150 } });
		const result = run({ cells: townships(), units, config });
		const z1 = unitOf(result);
		expect(z1).toMatchObject({ rankable: false, rank: null, points: null, bottom: false });
		expect(z1.flags).toContain('not_rankable:too_few_answers');
		expect(z1.score).toBeCloseTo(82.0343, 4);
		expect(result.categories[0].nRanked).toBe(2);
	});

	it('a unit with only one qualifying group is not ranked', () => {
		const cells = exampleCells().filter((c) => c.group === 'residents');
		const u = unitOf(run({ cells }));
		expect(u.rankable).toBe(false);
		expect(u.flags).toEqual(
			expect.arrayContaining([
				'group_no_data:deputies',
				'group_below_minimum:deputies',
				'group_no_data:service_recipients',
				'group_below_minimum:service_recipients',
				'weights_renormalised',
				'not_rankable:too_few_groups'
			])
		);
		expect(u.score).toBeCloseTo(73.5111, 4);
	});

	it('a category weighting a single group ranks on that group alone', () => {
		const result = computeScores({
			cells: exampleCells().filter((c) => c.group === 'service_recipients'),
			units: [{ code: ZHEN1, category: 'windows' }],
			categories: [{ code: 'windows', weights: { service_recipients: 1 } }],
			config: withConfig({ rankable: { minGroups: 2, minValid: 30 } })
		});
		expect(unitOf(result)).toMatchObject({ rankable: true, rank: 1 });
	});

	it('reports data of a group the category does not weight, without using it', () => {
		const cells = [
			...exampleCells(),
			{ unit: ZHEN1, group: 'experts', area: null, value: 0, n: 40 }
		];
		const u = unitOf(run({ cells }));
		expect(u.flags).toContain('group_not_weighted:experts');
		expect(groupOf(u, 'experts')).toMatchObject({ weight: 0, used: false, nValid: 40 });
		expect(u.score).toBeCloseTo(82.0343, 4);
		expect(u.nValid).toBe(185);
	});

	it('flags a high don’t-know share, unknown categories, unknown and duplicate units', () => {
		const cells = [
			...exampleCells(),
			{ unit: ZHEN1, group: 'residents', area: 'A', value: null, n: 200 },
			{ unit: 'ghost', group: 'residents', area: 'A', value: 100, n: 1 }
		];
		const result = run({
			cells,
			units: [exampleUnit, { code: 'lost', category: 'nope' }, { code: 'lost', category: 'nope' }]
		});
		expect(unitOf(result).flags).toContain('high_dk_share');
		expect(unitOf(result, 'lost').flags).toContain('unknown_category:nope');
		expect(result.flags).toEqual(['duplicate_unit:lost', 'unknown_unit:ghost']);
		expect(result.categories.map((c) => c.category)).toEqual(['nope', 'township']);
	});

	it('passes nSubmitted and nExcluded through', () => {
		const u = unitOf(run({ units: [{ ...exampleUnit, nSubmitted: 110, nExcluded: 10 }] }));
		expect(u.nSubmitted).toBe(110);
		expect(u.nExcluded).toBe(10);
	});

	it('flags invalid category weights and ignores them', () => {
		const u = unitOf(
			run({
				categories: [{ code: 'township', weights: { ...townshipCategory.weights, deputies: NaN } }]
			})
		);
		expect(u.flags).toContain('invalid_weight:deputies');
		expect(u.score).toBeCloseTo(77.8413, 4);
	});
});
