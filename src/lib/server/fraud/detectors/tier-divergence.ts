import type { RuleSet } from '$lib/schemas/rule-set';

/**
 * Identity-tier divergence (research §7 row 26, D5): per unit, the mean of the answers from strong
 * identities (invitation code, verified phone) against those from weak ones (device cookie or none).
 * Both tiers sample the same residents, so a unit whose anonymous answers are much better (or worse)
 * than its verified ones is being rated by someone who avoids verification: a campaign or a smear
 * that is spread too thin to burst. The finding is about the unit, for review; the weak-tier answers
 * at the level that drives the gap get `tier.divergence` (0 points by default: an anonymous answer
 * is not suspect on its own, most honest residents are anonymous).
 */
export interface TierRow {
	id: number;
	pattern: string;
	/** identity_tier as stored: invitation | phone | device | none. */
	tier: string | null;
	counted: boolean;
	excluded: boolean;
}

export interface TierFinding {
	unitIndex: number;
	strong: { n: number; mean: number };
	weak: { n: number; mean: number };
	/** weak − strong, in score points. */
	diff: number;
	se: number;
	/** Weak-tier rows answering the unit at the level that drives the gap. */
	members: number[];
}

const STRONG = new Set(['invitation', 'phone']);

interface Acc {
	n: number;
	sum: number;
	sq: number;
}
const acc = (): Acc => ({ n: 0, sum: 0, sq: 0 });

/**
 * @param values score value of each level index (1-based: `values[1]` is the first level); levels
 *   without a value (don't know, out of range) are not answers.
 */
export function tierDivergence(
	rows: readonly TierRow[],
	units: number,
	values: readonly number[],
	rules: RuleSet
): TierFinding[] {
	const t = rules.tierDivergence;
	const strong = Array.from({ length: units }, acc);
	const weak = Array.from({ length: units }, acc);
	const valueAt = (pattern: string, i: number): number | null => {
		const l = pattern.charCodeAt(i) - 48;
		if (!(l > 0 && l <= 9)) return null;
		const v = values[l];
		return typeof v === 'number' && Number.isFinite(v) ? v : null;
	};
	for (const r of rows) {
		if (!r.counted || r.excluded) continue;
		const bucket = STRONG.has(r.tier ?? '') ? strong : weak;
		for (let i = 0; i < units; i++) {
			const v = valueAt(r.pattern, i);
			if (v === null) continue;
			const a = bucket[i];
			a.n++;
			a.sum += v;
			a.sq += v * v;
		}
	}
	const out: TierFinding[] = [];
	const variance = (a: Acc) =>
		a.n > 1 ? Math.max(0, (a.sq - (a.sum * a.sum) / a.n) / (a.n - 1)) : 0;
	const best = Math.max(...values.filter((v) => Number.isFinite(v)));
	const worst = Math.min(...values.filter((v) => Number.isFinite(v)));
	for (let i = 0; i < units; i++) {
		const s = strong[i];
		const w = weak[i];
		if (s.n < t.minEach || w.n < t.minEach) continue;
		const diff = w.sum / w.n - s.sum / s.n;
		const se = Math.sqrt(variance(s) / s.n + variance(w) / w.n);
		if (Math.abs(diff) <= t.minPoints || Math.abs(diff) <= t.z * se) continue;
		const driving = diff > 0 ? best : worst;
		const members: number[] = [];
		for (const r of rows) {
			if (!r.counted || r.excluded || STRONG.has(r.tier ?? '')) continue;
			if (valueAt(r.pattern, i) === driving) members.push(r.id);
		}
		out.push({
			unitIndex: i,
			strong: { n: s.n, mean: s.sum / s.n },
			weak: { n: w.n, mean: w.sum / w.n },
			diff,
			se,
			members
		});
	}
	return out;
}
