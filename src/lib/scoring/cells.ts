/**
 * The input unit of the scoring core: an aggregated cell of answers. The database layer produces
 * cells with one SQL aggregation (count, sum of weights, sum of squared weights per unit, group,
 * area and level value); tests and small callers can start from raw rows and call `rowsToCells`.
 */

/** One (unit, group, area, value) cell. */
export interface AnswerCell {
	unit: string;
	group: string;
	/** The respondent's area code (village or township); null when the respondent gave none. */
	area: string | null;
	/** Level value on the 0–100 scale, or null for 不了解 (don't know). */
	value: number | null;
	/** Number of answers in the cell. */
	n: number;
	/** Σ w over the cell's answers; omitted means every weight is 1 (so sumW = n). */
	sumW?: number;
	/** Σ w² over the cell's answers; omitted means equal weights inside the cell (sumW²/n). */
	sumW2?: number;
}

/** One answer (a rating of one unit in one submission). */
export interface AnswerRow {
	unit: string;
	group: string;
	area: string | null;
	/** Level value 0–100, or null for 不了解. */
	value: number | null;
	/** Answer weight (1 unless an alerted window down-weighted it); omitted means 1. */
	weight?: number;
}

/** A cell whose weights are filled in and checked. */
export interface CleanCell {
	unit: string;
	group: string;
	area: string | null;
	value: number | null;
	n: number;
	sumW: number;
	sumW2: number;
}

/** Bounds that keep every sum and square finite; real data is many orders of magnitude inside. */
const MAX_COUNT = 1e9;
const MIN_WEIGHT = 1e-6;
const MAX_WEIGHT = 1e6;

function cellKey(c: { unit: string; group: string; area: string | null; value: number | null }) {
	return JSON.stringify([c.unit, c.group, c.area, c.value]);
}

/**
 * Aggregates raw rows into cells. Rows with the same unit, group, area and value fall into one
 * cell. Scoring the cells gives exactly what scoring the rows one by one would.
 */
export function rowsToCells(rows: readonly AnswerRow[]): AnswerCell[] {
	const cells = new Map<string, Required<AnswerCell>>();
	for (const r of rows) {
		const w = r.weight ?? 1;
		const key = cellKey(r);
		const c = cells.get(key);
		if (c) {
			c.n += 1;
			c.sumW += w;
			c.sumW2 += w * w;
		} else {
			cells.set(key, {
				unit: r.unit,
				group: r.group,
				area: r.area,
				value: r.value,
				n: 1,
				sumW: w,
				sumW2: w * w
			});
		}
	}
	return [...cells.values()];
}

function compareCells(a: CleanCell, b: CleanCell): number {
	return (
		cmp(a.unit, b.unit) ||
		cmp(a.group, b.group) ||
		cmp(a.area ?? '', b.area ?? '') ||
		(a.area === null ? 0 : 1) - (b.area === null ? 0 : 1) ||
		(a.value ?? -1) - (b.value ?? -1)
	);
}

export function cmp(a: string, b: string): number {
	return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * Fills in default weights, drops cells that cannot be used (non-positive or absurd counts, values
 * outside 0–100, negative, non-finite or absurd weights), merges cells with the same key and sorts
 * them, so that the order of the input never changes a result.
 */
export function cleanCells(cells: readonly AnswerCell[]): {
	cells: CleanCell[];
	invalid: AnswerCell[];
} {
	const merged = new Map<string, CleanCell>();
	const invalid: AnswerCell[] = [];
	for (const c of cells) {
		const valueOk =
			c.value === null || (Number.isFinite(c.value) && c.value >= 0 && c.value <= 100);
		const n = c.n;
		if (!valueOk || !Number.isFinite(n) || n <= 0) {
			invalid.push(c);
			continue;
		}
		const sumW = c.sumW ?? n;
		const meanW = sumW / n;
		// Weights far outside [1e-6, 1e6] are data errors, and their squares would under- or
		// overflow; zero is allowed (an answer that counts for nothing).
		if (n > MAX_COUNT || !(meanW === 0 || (meanW >= MIN_WEIGHT && meanW <= MAX_WEIGHT))) {
			invalid.push(c);
			continue;
		}
		let sumW2 = c.sumW2 ?? (sumW * sumW) / n;
		if (!Number.isFinite(sumW2) || sumW2 < 0 || sumW2 > n * MAX_WEIGHT * MAX_WEIGHT) {
			invalid.push(c);
			continue;
		}
		// Σw² can never be below (Σw)²/n; a smaller figure would claim n_eff > n.
		sumW2 = Math.max(sumW2, (sumW * sumW) / n);
		const key = cellKey(c);
		const prev = merged.get(key);
		if (prev) {
			prev.n += n;
			prev.sumW += sumW;
			prev.sumW2 += sumW2;
		} else {
			merged.set(key, {
				unit: c.unit,
				group: c.group,
				area: c.area,
				value: c.value,
				n,
				sumW,
				sumW2
			});
		}
	}
	return { cells: [...merged.values()].sort(compareCells), invalid };
}
