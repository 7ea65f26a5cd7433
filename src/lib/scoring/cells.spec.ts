import { describe, expect, it } from 'vitest';
import { cleanCells, rowsToCells, type AnswerCell, type AnswerRow } from './cells';
import { computeScores } from './compute-scores';
import {
	exampleAreas,
	exampleCells,
	exampleGroups,
	exampleUnit,
	townshipCategory
} from './testing/worked-example';

/** Expands cells back into one row per answer, spreading each cell's weight as given. */
function rowsOf(
	cells: readonly AnswerCell[],
	weightOf: (i: number) => number = () => 1
): AnswerRow[] {
	const rows: AnswerRow[] = [];
	for (const c of cells) {
		for (let i = 0; i < c.n; i++) {
			rows.push({
				unit: c.unit,
				group: c.group,
				area: c.area,
				value: c.value,
				weight: weightOf(i)
			});
		}
	}
	return rows;
}

function score(cells: AnswerCell[]) {
	return computeScores({
		cells,
		units: [exampleUnit],
		categories: [townshipCategory],
		groups: exampleGroups,
		areas: exampleAreas
	});
}

describe('rowsToCells', () => {
	it('aggregates rows into cells with n, Σw and Σw²', () => {
		const cells = rowsToCells([
			{ unit: 'u', group: 'g', area: 'A', value: 100 },
			{ unit: 'u', group: 'g', area: 'A', value: 100, weight: 0.5 },
			{ unit: 'u', group: 'g', area: 'A', value: null },
			{ unit: 'u', group: 'g', area: null, value: 100 }
		]);
		expect(cells).toEqual([
			{ unit: 'u', group: 'g', area: 'A', value: 100, n: 2, sumW: 1.5, sumW2: 1.25 },
			{ unit: 'u', group: 'g', area: 'A', value: null, n: 1, sumW: 1, sumW2: 1 },
			{ unit: 'u', group: 'g', area: null, value: 100, n: 1, sumW: 1, sumW2: 1 }
		]);
	});

	it('raw rows and aggregated cells give identical results (unweighted)', () => {
		const cells = exampleCells();
		expect(score(rowsToCells(rowsOf(cells)))).toEqual(score(cells));
	});

	it('raw rows and aggregated cells give identical results (weighted)', () => {
		// Every third answer of a cell is down-weighted to 0.5 (as an alerted window would).
		const weightOf = (i: number) => (i % 3 === 0 ? 0.5 : 1);
		const cells = exampleCells().map((c) => {
			let sumW = 0;
			let sumW2 = 0;
			for (let i = 0; i < c.n; i++) {
				sumW += weightOf(i);
				sumW2 += weightOf(i) ** 2;
			}
			return { ...c, sumW, sumW2 };
		});
		const fromRows = score(rowsToCells(rowsOf(cells, weightOf)));
		expect(fromRows).toEqual(score(cells));
		// And the weights did change something.
		expect(fromRows.units[0].score).not.toBeCloseTo(82.0343, 4);
	});
});

describe('cleanCells', () => {
	it('fills in default weights and merges cells with the same key', () => {
		const { cells, invalid } = cleanCells([
			{ unit: 'u', group: 'g', area: 'A', value: 80, n: 4 },
			{ unit: 'u', group: 'g', area: 'A', value: 80, n: 2, sumW: 1 },
			{ unit: 'u', group: 'g', area: 'A', value: 60, n: 2, sumW: 2, sumW2: 2 }
		]);
		expect(invalid).toEqual([]);
		expect(cells).toEqual([
			{ unit: 'u', group: 'g', area: 'A', value: 60, n: 2, sumW: 2, sumW2: 2 },
			{ unit: 'u', group: 'g', area: 'A', value: 80, n: 6, sumW: 5, sumW2: 4.5 }
		]);
	});

	it('drops unusable cells', () => {
		const bad: AnswerCell[] = [
			{ unit: 'u', group: 'g', area: null, value: 120, n: 1 },
			{ unit: 'u', group: 'g', area: null, value: -1, n: 1 },
			{ unit: 'u', group: 'g', area: null, value: NaN, n: 1 },
			{ unit: 'u', group: 'g', area: null, value: 80, n: 0 },
			{ unit: 'u', group: 'g', area: null, value: 80, n: -2 },
			{ unit: 'u', group: 'g', area: null, value: 80, n: Infinity },
			{ unit: 'u', group: 'g', area: null, value: 80, n: 1, sumW: -1 },
			{ unit: 'u', group: 'g', area: null, value: 80, n: 1, sumW: NaN },
			{ unit: 'u', group: 'g', area: null, value: 80, n: 1, sumW: 1, sumW2: Infinity },
			{ unit: 'u', group: 'g', area: null, value: 80, n: 1, sumW: 1e-300 },
			{ unit: 'u', group: 'g', area: null, value: 80, n: 1, sumW: 1e300 },
			{ unit: 'u', group: 'g', area: null, value: 80, n: 1e12 }
		];
		const { cells, invalid } = cleanCells(bad);
		expect(cells).toEqual([]);
		expect(invalid).toHaveLength(bad.length);
	});

	it('keeps answers with zero weight (they count as answers, not in the mean)', () => {
		const { cells } = cleanCells([{ unit: 'u', group: 'g', area: null, value: 80, n: 3, sumW: 0 }]);
		expect(cells).toEqual([
			{ unit: 'u', group: 'g', area: null, value: 80, n: 3, sumW: 0, sumW2: 0 }
		]);
	});

	it('raises Σw² to (Σw)²/n so that n_eff never exceeds n', () => {
		const { cells } = cleanCells([
			{ unit: 'u', group: 'g', area: null, value: 80, n: 4, sumW: 4, sumW2: 1 }
		]);
		expect(cells[0].sumW2).toBe(4);
	});

	it('sorts cells so that input order does not matter', () => {
		const a: AnswerCell = { unit: 'b', group: 'g', area: null, value: 80, n: 1 };
		const b: AnswerCell = { unit: 'a', group: 'g', area: 'Z', value: null, n: 1 };
		const c: AnswerCell = { unit: 'a', group: 'g', area: 'Z', value: 0, n: 1 };
		const d: AnswerCell = { unit: 'a', group: 'g', area: null, value: 0, n: 1 };
		expect(cleanCells([a, b, c, d]).cells).toEqual(cleanCells([d, c, a, b]).cells);
	});
});
