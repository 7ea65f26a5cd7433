import { clamp } from './intervals';
import type { PointsMode } from './parameters';

export interface PointsOptions {
	mode: PointsMode;
	/** Points for a perfect score (default 10). */
	fullPoints: number;
	/** category_relative: the share of full points the lowest unit keeps, b (default 0.6). */
	base?: number;
	/** rank_step: points lost per rank (default 0.2). */
	step?: number;
	/** rank_step: points never go below this (default 0). */
	floor?: number;
}

/**
 * Assessment points for the ranked units of one category, from their unrounded scores.
 * Only pass rankable units: category_relative takes its min and max from the entries given.
 *
 * - proportional: full × S / 100.
 * - category_relative: full × (b + (1 − b)(S − min)/(max − min)); the best unit gets full points,
 *   the lowest b × full. When every unit has the same score all get full points.
 * - rank_step: full − step × (rank − 1), not below the floor; tied units get the same points.
 *
 * Entries without a usable score or rank get no points (absent from the map).
 */
export function computePoints(
	entries: readonly { unit: string; score: number | null; rank: number | null }[],
	options: PointsOptions
): Map<string, number> {
	const full =
		Number.isFinite(options.fullPoints) && options.fullPoints > 0 ? options.fullPoints : 0;
	const usable = entries.filter(
		(e): e is { unit: string; score: number; rank: number | null } =>
			e.score !== null && Number.isFinite(e.score)
	);
	const out = new Map<string, number>();
	if (options.mode === 'proportional') {
		for (const e of usable) out.set(e.unit, (full * clamp(e.score, 0, 100)) / 100);
	} else if (options.mode === 'category_relative') {
		const b = clamp(options.base ?? 0.6, 0, 1);
		const scores = usable.map((e) => e.score);
		const min = Math.min(...scores);
		const max = Math.max(...scores);
		for (const e of usable) {
			const rel = max - min > 1e-12 ? (e.score - min) / (max - min) : 1;
			out.set(e.unit, full * (b + (1 - b) * rel));
		}
	} else {
		const step = Math.max(0, options.step ?? 0.2);
		const floor = options.floor ?? 0;
		for (const e of usable) {
			if (e.rank === null || !(e.rank >= 1)) continue;
			out.set(e.unit, Math.max(floor, full - step * (e.rank - 1)));
		}
	}
	return out;
}
