/** Random but well-formed cycles for the property tests. */
import { defaultCycleConfig } from '$lib/schemas/cycle-config';
import type { AnswerCell } from '../cells';
import type { AreaSpec, ScoringInput, UnitSpec } from '../compute-scores';
import type { prng } from './prng';

type Rng = ReturnType<typeof prng>;

const VALUES = [100, 80, 60, 0];

export interface RandomCycleOptions {
	/** Every stratum (village, and each non-resident group) gets at least this many answers. */
	minPerStratum: number;
	/** Extra answers per level: each level gets 0..maxPerLevel. */
	maxPerLevel: number;
	/** Give cells base weights other than 1. */
	weighted: boolean;
}

function levelCells(
	rng: Rng,
	where: { unit: string; group: string; area: string | null },
	options: RandomCycleOptions
): AnswerCell[] {
	const counts = VALUES.map(() => rng.int(0, options.maxPerLevel));
	let total = counts.reduce((a, b) => a + b, 0);
	while (total < options.minPerStratum) {
		counts[rng.int(0, VALUES.length - 1)] += 1;
		total += 1;
	}
	const cells: AnswerCell[] = [];
	VALUES.forEach((value, i) => {
		const n = counts[i];
		if (n === 0) return;
		if (options.weighted) {
			// Weights that are exact in binary, so sums do not depend on their order.
			const w = rng.pick([0.25, 0.5, 1, 1, 1]);
			cells.push({ ...where, value, n, sumW: n * w, sumW2: n * w * w });
		} else {
			cells.push({ ...where, value, n });
		}
	});
	const dk = rng.int(0, 3);
	if (dk > 0) cells.push({ ...where, value: null, n: dk });
	return cells;
}

/** A township category with 2–4 units, each with 2–4 villages of residents and two other groups. */
export function randomCycle(rng: Rng, options: RandomCycleOptions): ScoringInput {
	const nUnits = rng.int(2, 4);
	const units: UnitSpec[] = [];
	const areas: AreaSpec[] = [];
	const cells: AnswerCell[] = [];
	for (let u = 0; u < nUnits; u++) {
		const unit = `u${u}`;
		const town = `T${u}`;
		units.push({ code: unit, category: 'township', area: town });
		areas.push({ code: town, parent: null, population: 0 });
		const nVillages = rng.int(2, 4);
		for (let v = 0; v < nVillages; v++) {
			const village = `${town}V${v}`;
			areas.push({ code: village, parent: town, population: rng.int(5, 100) * 100 });
			cells.push(...levelCells(rng, { unit, group: 'residents', area: village }, options));
		}
		cells.push(...levelCells(rng, { unit, group: 'service_recipients', area: null }, options));
		cells.push(...levelCells(rng, { unit, group: 'deputies', area: null }, options));
	}
	const config = defaultCycleConfig();
	return {
		cells,
		units,
		areas,
		categories: [
			{ code: 'township', weights: { residents: 0.5, deputies: 0.3, service_recipients: 0.2 } }
		],
		groups: [
			{ code: 'residents', minValid: 1 },
			{ code: 'service_recipients', minValid: 1 },
			{ code: 'deputies', minValid: 1 }
		],
		config: { ...config, rankable: { minGroups: 1, minValid: 0 } }
	};
}
