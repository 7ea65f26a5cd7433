export interface TrimmedMean {
	/** Mean of the marks kept (0–100 for 0–100 marks); null when there is no mark. */
	mean: number | null;
	/** Number of marks kept. */
	used: number;
	/** The highest and lowest marks dropped; null when nothing was dropped. */
	droppedHigh: number | null;
	droppedLow: number | null;
}

/**
 * Mean of a numeric panel (raters give 0–100 marks). When there are more raters than `trimAbove`
 * (default 5), one highest and one lowest mark are dropped first (去掉一个最高分和一个最低分).
 * Non-finite marks are ignored.
 */
export function trimmedMean(marks: readonly number[], trimAbove = 5): TrimmedMean {
	const values = marks.filter((m) => Number.isFinite(m)).sort((a, b) => a - b);
	if (values.length === 0) return { mean: null, used: 0, droppedHigh: null, droppedLow: null };
	if (values.length > trimAbove && values.length > 2) {
		const kept = values.slice(1, -1);
		return {
			mean: kept.reduce((t, v) => t + v, 0) / kept.length,
			used: kept.length,
			droppedHigh: values[values.length - 1],
			droppedLow: values[0]
		};
	}
	return {
		mean: values.reduce((t, v) => t + v, 0) / values.length,
		used: values.length,
		droppedHigh: null,
		droppedLow: null
	};
}
