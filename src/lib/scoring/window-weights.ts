/**
 * Down-weighting of alerted windows (DESIGN.md §7): when a unit receives far more answers in a
 * window than expected, each answer in that window counts E/O, so the window as a whole weighs
 * what was expected of it.
 */

export interface AlertWindow {
	unit: string;
	/** Window start, epoch milliseconds, inclusive. */
	start: number;
	/** Window end, epoch milliseconds, exclusive. */
	end: number;
	/** Expected number of answers E. */
	expected: number;
	/** Observed number of answers O. */
	observed: number;
}

export interface WindowMember {
	/** Any key the caller uses for the answer (e.g. submission id + unit). */
	key: string;
	unit: string;
	/** When the answer arrived, epoch milliseconds. */
	at: number;
}

/**
 * The multiplier E/O for the answers of one window, in [minMultiplier, 1]: never above 1 (a quiet
 * window is not up-weighted) and 1 when the figures are unusable (no evidence, no penalty).
 */
export function windowMultiplier(expected: number, observed: number, minMultiplier = 0): number {
	if (!Number.isFinite(expected) || !Number.isFinite(observed) || observed <= 0) return 1;
	const m = Math.max(0, expected) / observed;
	return Math.min(1, Math.max(Math.max(0, minMultiplier), m));
}

/**
 * Multiplier for each member that falls in at least one alerted window of its unit. Windows
 * overlap (2-hour windows every 30 minutes), so a member in several takes the smallest multiplier.
 * Members in no window, or only in windows with multiplier 1, are absent from the map (weight 1).
 */
export function memberMultipliers(
	windows: readonly AlertWindow[],
	members: readonly WindowMember[],
	options: { minMultiplier?: number } = {}
): Map<string, number> {
	const byUnit = new Map<string, { start: number; end: number; m: number }[]>();
	for (const w of windows) {
		const m = windowMultiplier(w.expected, w.observed, options.minMultiplier);
		if (m >= 1 || !(w.end > w.start)) continue;
		const list = byUnit.get(w.unit) ?? [];
		list.push({ start: w.start, end: w.end, m });
		byUnit.set(w.unit, list);
	}
	const out = new Map<string, number>();
	for (const member of members) {
		const list = byUnit.get(member.unit);
		if (!list) continue;
		let m = 1;
		for (const w of list) if (member.at >= w.start && member.at < w.end && w.m < m) m = w.m;
		if (m < 1) out.set(member.key, Math.min(m, out.get(member.key) ?? 1));
	}
	return out;
}
