/**
 * Property tests over seeded random cycles (plain loops; no property-testing package).
 */
import { describe, expect, it } from 'vitest';
import type { AnswerCell } from './cells';
import {
	computeScores,
	type GroupScore,
	type ScoringInput,
	type UnitScore
} from './compute-scores';
import { prng } from './testing/prng';
import { randomCycle } from './testing/random-cycle';
import {
	exampleAreas,
	exampleCells,
	exampleGroups,
	exampleUnit,
	townshipCategory,
	ZHEN1
} from './testing/worked-example';

const TRIALS = 150;

function group(u: UnitScore, code: string): GroupScore {
	const g = u.groups.find((x) => x.group === code);
	if (!g) throw new Error(`missing group ${code}`);
	return g;
}

function unit(result: ReturnType<typeof computeScores>, code: string): UnitScore {
	const u = result.units.find((x) => x.unit === code);
	if (!u) throw new Error(`missing unit ${code}`);
	return u;
}

function width(ci: [number, number] | null): number {
	if (!ci) throw new Error('no interval');
	return ci[1] - ci[0];
}

describe('an answer from an under-represented area', () => {
	function withExtra(extra: AnswerCell) {
		return computeScores({
			cells: [...exampleCells(), extra],
			units: [exampleUnit],
			categories: [townshipCategory],
			groups: exampleGroups,
			areas: exampleAreas
		}).units[0];
	}

	it('moves the worked example more than the same answer from the mobilised village', () => {
		const base = 82.03434343434343;
		const fromB = withExtra({ unit: ZHEN1, group: 'residents', area: 'B', value: 100, n: 1 });
		const fromA = withExtra({ unit: ZHEN1, group: 'residents', area: 'A', value: 100, n: 1 });
		// Δ = 0.5 · W_h · (x̄_h' − x̄_h): 0.5 · 0.7 · (1260/19 − 1160/18) vs 0.5 · 0.3 · (7200/76 − 7100/75).
		expect((fromB.score as number) - base).toBeCloseTo(0.5 * 0.7 * (1260 / 19 - 1160 / 18), 10);
		expect((fromA.score as number) - base).toBeCloseTo(0.5 * 0.3 * (7200 / 76 - 7100 / 75), 10);
		expect((fromB.score as number) - base).toBeGreaterThan(30 * ((fromA.score as number) - base));
	});

	it('moves the score toward the answer (random cycles)', () => {
		const rng = prng(7);
		let checked = 0;
		for (let trial = 0; trial < TRIALS; trial++) {
			const input = randomCycle(rng, { minPerStratum: 5, maxPerLevel: 12, weighted: false });
			const before = unit(computeScores(input), 'u0');
			const residents = group(before, 'residents');
			if (before.flags.some((f) => f.startsWith('weights_trimmed'))) continue;
			// The most under-represented village: the largest weight per answer.
			const strata = residents.strata ?? [];
			const target = [...strata].sort((a, b) => b.weight - a.weight)[0];
			expect(target.weight).toBeGreaterThanOrEqual(1);
			const value = rng.pick([0, 60, 80, 100]);
			const after = unit(
				computeScores({
					...input,
					cells: [
						...input.cells,
						{ unit: 'u0', group: 'residents', area: target.code, value, n: 1 }
					]
				}),
				'u0'
			);
			if (after.flags.some((f) => f.startsWith('weights_trimmed'))) continue;
			checked++;
			const stratumCells = input.cells.filter(
				(c) =>
					c.unit === 'u0' && c.group === 'residents' && c.area === target.code && c.value !== null
			);
			const n = stratumCells.reduce((t, c) => t + c.n, 0);
			const mean = stratumCells.reduce((t, c) => t + c.n * (c.value as number), 0) / n;
			const delta = (after.score as number) - (before.score as number);
			const expected = residents.appliedWeight * target.share * ((value - mean) / (n + 1));
			expect(delta).toBeCloseTo(expected, 9);
			expect(Math.sign(Math.round(delta * 1e9))).toBe(Math.sign(Math.round((value - mean) * 1e9)));
			if ((value === 0 || value === 100) && mean !== value) {
				expect(Math.abs(value - (after.score as number))).toBeLessThan(
					Math.abs(value - (before.score as number))
				);
			}
		}
		expect(checked).toBeGreaterThan(TRIALS * 0.8);
	});
});

describe('doubling every count', () => {
	function doubled(input: ScoringInput): ScoringInput {
		return {
			...input,
			cells: input.cells.map((c) => ({
				...c,
				n: c.n * 2,
				...(c.sumW === undefined ? {} : { sumW: c.sumW * 2 }),
				...(c.sumW2 === undefined ? {} : { sumW2: c.sumW2 * 2 })
			}))
		};
	}

	it('leaves scores and rates unchanged, doubles n_eff and shrinks SEs by about √2', () => {
		// With n−1 variances, SE_old/SE_new = sqrt(2 + 1/(n_h − 1)) per stratum, so with at least
		// 5 answers per stratum the ratio lies in [√2, 1.5] (√2 to √2 + 6 %).
		const rng = prng(11);
		for (let trial = 0; trial < TRIALS; trial++) {
			const input = randomCycle(rng, { minPerStratum: 5, maxPerLevel: 12, weighted: false });
			const a = computeScores(input);
			const b = computeScores(doubled(input));
			for (const ua of a.units) {
				const ub = unit(b, ua.unit);
				expect(ub.score).toBeCloseTo(ua.score as number, 9);
				expect(ub.satisfactionRate).toBeCloseTo(ua.satisfactionRate as number, 9);
				expect(ub.dkShare).toBeCloseTo(ua.dkShare as number, 12);
				expect(ub.nEff / ua.nEff).toBeCloseTo(2, 9);
				expect(ub.rank).toBe(ua.rank);
				const ratio = (ua.se as number) / (ub.se as number);
				expect(ratio).toBeGreaterThanOrEqual(Math.SQRT2 - 1e-9);
				expect(ratio).toBeLessThanOrEqual(1.5 + 1e-9);
				if (ua.ci && ub.ci && ua.ci[0] > 0 && ua.ci[1] < 100) {
					expect(width(ua.ci) / width(ub.ci)).toBeCloseTo(ratio, 9);
				}
				for (const ga of ua.groups) {
					const gb = group(ub, ga.group);
					// Wilson narrows by about √2 (between 1.2 and 2 for n_eff ≥ 5).
					const r = width(ga.rateCi) / width(gb.rateCi);
					expect(r).toBeGreaterThan(1.2);
					expect(r).toBeLessThan(2.05);
				}
			}
		}
	});

	it('shrinks SEs by √2 within 1 % when strata are large', () => {
		const rng = prng(12);
		for (let trial = 0; trial < 50; trial++) {
			const input = randomCycle(rng, { minPerStratum: 60, maxPerLevel: 40, weighted: false });
			const a = computeScores(input);
			const b = computeScores(doubled(input));
			for (const ua of a.units) {
				const ratio = (ua.se as number) / (unit(b, ua.unit).se as number);
				expect(Math.abs(ratio / Math.SQRT2 - 1)).toBeLessThan(0.01);
			}
		}
	});

	it('also holds with down-weighted answers (scores exact, SE ratio within [√2, 1.5])', () => {
		const rng = prng(13);
		for (let trial = 0; trial < TRIALS; trial++) {
			const input = randomCycle(rng, { minPerStratum: 8, maxPerLevel: 12, weighted: true });
			const a = computeScores(input);
			const b = computeScores(doubled(input));
			for (const ua of a.units) {
				const ub = unit(b, ua.unit);
				expect(ub.score).toBeCloseTo(ua.score as number, 9);
				expect(ub.nEff / ua.nEff).toBeCloseTo(2, 9);
				const ratio = (ua.se as number) / (ub.se as number);
				expect(ratio).toBeGreaterThanOrEqual(Math.SQRT2 - 1e-9);
				expect(ratio).toBeLessThanOrEqual(1.5 + 1e-9);
			}
		}
	});
});

describe('input order', () => {
	it('permuting every input list changes nothing', () => {
		const rng = prng(17);
		for (let trial = 0; trial < TRIALS; trial++) {
			const input = randomCycle(rng, {
				minPerStratum: rng.int(1, 8),
				maxPerLevel: 10,
				weighted: rng.next() < 0.5
			});
			const weights = input.categories[0].weights;
			const shuffled: ScoringInput = {
				...input,
				cells: rng.shuffle(input.cells),
				units: rng.shuffle(input.units),
				areas: rng.shuffle(input.areas ?? []),
				groups: rng.shuffle(input.groups ?? []),
				categories: [
					{
						code: 'township',
						weights: Object.fromEntries(rng.shuffle(Object.entries(weights)))
					},
					...input.categories.slice(1)
				]
			};
			expect(computeScores(shuffled)).toEqual(computeScores(input));
		}
	});

	it('splitting a cell into several changes nothing', () => {
		const rng = prng(19);
		for (let trial = 0; trial < 50; trial++) {
			const input = randomCycle(rng, { minPerStratum: 5, maxPerLevel: 10, weighted: false });
			const split = input.cells.flatMap((c) => {
				if (c.n < 2) return [c];
				const k = rng.int(1, c.n - 1);
				return [
					{ ...c, n: k },
					{ ...c, n: c.n - k }
				];
			});
			expect(computeScores({ ...input, cells: rng.shuffle(split) })).toEqual(computeScores(input));
		}
	});
});
