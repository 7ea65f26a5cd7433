/**
 * The worked example of DESIGN.md §6 (unit 镇1) as test data, shared by the spec files.
 */
import type { AnswerCell } from '../cells';
import type { AreaSpec, CategorySpec, GroupSpec, UnitSpec } from '../compute-scores';
import { levelCountsToCells, ceping4 } from '../scales';

export const ZHEN1 = 'zhen1';

/** Level counts in the order 满意, 比较满意, 基本满意, 不满意, 不了解. */
function counts(satisfied: number, fairly: number, basically: number, dis: number, dk: number) {
	return {
		satisfied,
		fairly_satisfied: fairly,
		basically_satisfied: basically,
		dissatisfied: dis,
		dont_know: dk
	};
}

function cellsOf(
	group: string,
	area: string | null,
	c: ReturnType<typeof counts>,
	unit = ZHEN1
): AnswerCell[] {
	return levelCountsToCells(ceping4, c, { unit, group, area }).cells;
}

export const exampleAreas: AreaSpec[] = [
	{ code: 'T1', parent: null, population: 10_000 },
	{ code: 'A', parent: 'T1', population: 3_000 },
	{ code: 'B', parent: 'T1', population: 7_000 }
];

export function exampleCells(unit = ZHEN1): AnswerCell[] {
	return [
		...cellsOf('residents', 'A', counts(60, 10, 5, 0, 5), unit),
		...cellsOf('residents', 'B', counts(6, 4, 4, 4, 2), unit),
		...cellsOf('service_recipients', null, counts(20, 6, 3, 1, 0), unit),
		...cellsOf('deputies', null, counts(15, 5, 2, 0, 3), unit)
	];
}

export const townshipCategory: CategorySpec = {
	code: 'township',
	weights: { residents: 0.5, deputies: 0.3, service_recipients: 0.2 }
};

export const exampleGroups: GroupSpec[] = [
	{ code: 'residents', minValid: 30 },
	{ code: 'service_recipients', minValid: 30 },
	{ code: 'deputies', minValid: 15 }
];

export const exampleUnit: UnitSpec = { code: ZHEN1, category: 'township', area: 'T1' };
