import type { RuleSet } from '$lib/schemas/rule-set';
import { poissonUpperTail, shareZ } from '../stats';
import { knownCount } from '../checks/patterns';
import { normaliseText } from '../checks/text';
import { offHoursClusters } from './off-hours';
import { tierDivergence } from './tier-divergence';

/**
 * Window detectors over stored submissions (DESIGN.md §7; research §5.2), as a pure function of
 * the rows so that the scheduler, the importer and the retrospective pass share it:
 *
 * - burst (D1 + D2): per unit, 2-hour windows every 30 minutes; the volume of answers that rate the
 *   unit against what the window's other answers predict, `E = M_w × K/M` (M: answers not rating the
 *   unit, K: answers rating it, outside the window; with one unit per answer this is the research's
 *   `N_w × share_u`), Poisson test, together with a shift of the top-box (or, for
 *   smears, bottom-box) share against what the window's own areas usually answer. Both must hold, so
 *   a county-wide push (N_w grows for everyone) and a village meeting (its villagers answer like
 *   their village always does) do not alert. Members get the weight E/O; members with template
 *   answers or fast timing are quarantined.
 * - template (D3): identical answer vectors, at least `minSize` in one hour, that are rare outside it.
 * - prefix volume: many answers per hour from one narrow (non-mobile) network prefix.
 * - network concentration (D4): evidence attached to burst alerts.
 * - duplicate texts: the same comment from several submissions within a day.
 * - off-hours clusters (D7): a network or answer vector answering mostly at night (off-hours.ts).
 * - identity-tier divergence (D5): anonymous answers of a unit far from its verified ones.
 */

export const SLOT_MS = 30 * 60_000;

export interface DetectorRow {
	id: number;
	/** Epoch milliseconds. */
	receivedAt: number;
	pattern: string;
	areaCode: string | null;
	/** Counted in scores by the per-submission checks alone (accepted or flagged). */
	counted: boolean;
	/** Excluded by a reviewer: not evidence of anything any more. */
	excluded: boolean;
	durationMs: number | null;
	prefixHash: string | null;
	networkType: string | null;
	texts: string[];
	/** identity_tier as stored (for the tier-divergence finding; absent: not known). */
	tier?: string | null;
}

interface Counts {
	known: Float64Array;
	top: Float64Array;
	bottom: Float64Array;
}

function newCounts(units: number): Counts {
	return {
		known: new Float64Array(units),
		top: new Float64Array(units),
		bottom: new Float64Array(units)
	};
}

/** Counted answers before the loaded rows (the scheduler does not reload the whole survey). */
export interface HistoryTotals {
	n: number;
	units: Counts;
	byArea: Map<string, Counts>;
	/** How often each candidate template vector occurred before the loaded rows. */
	patterns: Map<string, number>;
	/** All rows (any status but excluded) before the loaded rows, for template shares. */
	all: number;
}

export function emptyHistory(units: number): HistoryTotals {
	return { n: 0, units: newCounts(units), byArea: new Map(), patterns: new Map(), all: 0 };
}

export type DetectorCode =
	| 'burst.member'
	| 'burst.template'
	| 'burst.fast'
	| 'template.cluster'
	| 'template.copy'
	| 'prefix.volume'
	| 'text.duplicate'
	| 'offhours.cluster'
	| 'tier.divergence';

export interface DetectedAlert {
	detector: 'burst' | 'template';
	unitIndex: number | null;
	windowStart: number;
	windowEnd: number;
	observed: number;
	expected: number;
	evidence: Record<string, unknown>;
}

export interface DetectInput {
	rules: RuleSet;
	units: number;
	topLevel: number;
	bottomLevel: number;
	speedMedianMs: number | null;
	/** Sorted by receivedAt. */
	rows: DetectorRow[];
	history?: HistoryTotals;
	/** Rows received at or after this get codes and weights; earlier ones are context only. */
	applyFrom: number;
	/** High-coverage templates of alerts found earlier (the scheduler reads them back). */
	knownTemplates?: KnownTemplate[];
	/** Score value per level index (1-based) for the tier-divergence finding; absent: skipped. */
	levelValues?: readonly number[];
}

/** An answer vector that an alerted window showed to be campaign material, and when. */
export interface KnownTemplate {
	pattern: string;
	/** Window start and end (epoch ms). */
	from: number;
	to: number;
}

/** Copies of an alerted template are looked for this long before and after its window. */
export const COPY_BEFORE_MS = 24 * 3_600_000;
export const COPY_AFTER_MS = 48 * 3_600_000;

export interface DetectOutput {
	alerts: DetectedAlert[];
	codes: Map<number, Set<DetectorCode>>;
	/**
	 * E/O multipliers of the answers in alerted windows, per row and unit index: the weight applies
	 * to the alerted unit's answer, not to the resident's answers about every other unit.
	 */
	weights: Map<number, Map<number, number>>;
	/** Alerts with a window starting at or after this were (re)evaluated. */
	evaluatedFrom: number;
}

const AREA_NONE = '\u0000';
const level = (pattern: string, i: number) => pattern.charCodeAt(i) - 48;

/** Vectors seen at least `minSize` times in one template bucket among the loaded rows. */
export function templateCandidates(rows: readonly DetectorRow[], rules: RuleSet): string[] {
	const t = rules.template;
	const bucketMs = t.windowMinutes * 60_000;
	const counts = new Map<string, number>();
	const out = new Set<string>();
	for (const r of rows) {
		if (r.excluded || knownCount(r.pattern) < t.minKnown) continue;
		const key = `${Math.floor(r.receivedAt / bucketMs)}|${r.pattern}`;
		const n = (counts.get(key) ?? 0) + 1;
		counts.set(key, n);
		if (n >= t.minSize) out.add(r.pattern);
	}
	return [...out];
}

export function detect(input: DetectInput): DetectOutput {
	const { rules, units, rows } = input;
	const history = input.history ?? emptyHistory(units);
	const codes = new Map<number, Set<DetectorCode>>();
	const weights = new Map<number, Map<number, number>>();
	const alerts: DetectedAlert[] = [];
	const give = (id: number, code: DetectorCode) => {
		let s = codes.get(id);
		if (!s) codes.set(id, (s = new Set()));
		s.add(code);
	};
	const applies = (r: DetectorRow) => r.receivedAt >= input.applyFrom;

	// ---- burst (D1 + D2) ----
	const b = rules.burst;
	const windowSlots = Math.max(1, Math.round(b.windowMinutes / 30));
	const counted = rows.filter((r) => r.counted && !r.excluded);
	const slotRows = new Map<number, DetectorRow[]>();
	for (const r of counted) {
		const s = Math.floor(r.receivedAt / SLOT_MS);
		let list = slotRows.get(s);
		if (!list) slotRows.set(s, (list = []));
		list.push(r);
	}
	const total = newCounts(units);
	const totalByArea = new Map<string, Counts>();
	for (const [a, c] of history.byArea) {
		totalByArea.set(a, {
			known: Float64Array.from(c.known),
			top: Float64Array.from(c.top),
			bottom: Float64Array.from(c.bottom)
		});
	}
	total.known.set(history.units.known);
	total.top.set(history.units.top);
	total.bottom.set(history.units.bottom);
	const slotCounts = new Map<number, Counts>();
	for (const [s, list] of slotRows) {
		const c = newCounts(units);
		for (const r of list) {
			const a = r.areaCode ?? AREA_NONE;
			let ac = totalByArea.get(a);
			if (!ac) totalByArea.set(a, (ac = newCounts(units)));
			for (let i = 0; i < units; i++) {
				const l = level(r.pattern, i);
				if (!(l > 0 && l <= 9)) continue;
				c.known[i]++;
				ac.known[i]++;
				if (l === input.topLevel) {
					c.top[i]++;
					ac.top[i]++;
				}
				if (l === input.bottomLevel) {
					c.bottom[i]++;
					ac.bottom[i]++;
				}
			}
		}
		slotCounts.set(s, c);
		for (let i = 0; i < units; i++) {
			total.known[i] += c.known[i];
			total.top[i] += c.top[i];
			total.bottom[i] += c.bottom[i];
		}
	}
	const nTotal = history.n + counted.length;
	const slots = [...slotRows.keys()].sort((x, y) => x - y);
	const fromSlot = Math.floor(input.applyFrom / SLOT_MS) - windowSlots + 1;
	const evaluatedFrom = Number.isFinite(input.applyFrom) ? fromSlot * SLOT_MS : -Infinity;
	const starts = new Set<number>();
	for (const s of slots) {
		for (let k = 0; k < windowSlots; k++) {
			if (s - k >= fromSlot || !Number.isFinite(fromSlot)) starts.add(s - k);
		}
	}
	const median = input.speedMedianMs;
	const templates: KnownTemplate[] = [...(input.knownTemplates ?? [])];
	for (const ws of [...starts].sort((x, y) => x - y)) {
		let nw = 0;
		const win = newCounts(units);
		const members: DetectorRow[] = [];
		for (let k = 0; k < windowSlots; k++) {
			const list = slotRows.get(ws + k);
			if (!list) continue;
			nw += list.length;
			members.push(...list);
			const c = slotCounts.get(ws + k)!;
			for (let i = 0; i < units; i++) {
				win.known[i] += c.known[i];
				win.top[i] += c.top[i];
				win.bottom[i] += c.bottom[i];
			}
		}
		const nb = nTotal - nw;
		if (nw === 0 || nb < b.minBaseline) continue;
		for (let i = 0; i < units; i++) {
			const o = win.known[i];
			const kb = total.known[i] - o;
			// Expected from the window's answers that do not rate the unit (a campaign for the unit
			// does not add to those; a county-wide push adds to both): E = M_w × K/M outside.
			const mw = nw - o;
			const mb = nb - kb;
			if (o < b.minExcess || kb < 30 || mb < 30) continue;
			const e = (mw * kb) / mb;
			if (o < b.ratio * e || o - e < b.minExcess) continue;
			const p = poissonUpperTail(o, e);
			if (!(p < b.p)) continue;
			// D2: the window's top/bottom share against what its own areas usually answer.
			const unitTop = (total.top[i] - win.top[i]) / kb;
			const unitBottom = (total.bottom[i] - win.bottom[i]) / kb;
			const byArea = new Map<string, { m: number; top: number; bottom: number }>();
			const raters: DetectorRow[] = [];
			for (const r of members) {
				const l = level(r.pattern, i);
				if (!(l > 0 && l <= 9)) continue;
				raters.push(r);
				const a = r.areaCode ?? AREA_NONE;
				let x = byArea.get(a);
				if (!x) byArea.set(a, (x = { m: 0, top: 0, bottom: 0 }));
				x.m++;
				if (l === input.topLevel) x.top++;
				if (l === input.bottomLevel) x.bottom++;
			}
			let expTop = 0;
			let expBottom = 0;
			for (const [a, x] of byArea) {
				const ac = totalByArea.get(a);
				const ka = Math.max(0, (ac?.known[i] ?? 0) - x.m);
				const ta = Math.max(0, (ac?.top[i] ?? 0) - x.top);
				const ba = Math.max(0, (ac?.bottom[i] ?? 0) - x.bottom);
				expTop += (x.m * (ta + b.areaPrior * unitTop)) / (ka + b.areaPrior || 1);
				expBottom += (x.m * (ba + b.areaPrior * unitBottom)) / (ka + b.areaPrior || 1);
			}
			const p0Top = expTop / o;
			const p0Bottom = expBottom / o;
			const zTop = shareZ(win.top[i], o, p0Top);
			const zBottom = shareZ(win.bottom[i], o, p0Bottom);
			if (zTop < b.z && zBottom < b.z) continue;
			const direction = zTop >= zBottom ? 'top' : 'bottom';
			const shifted = direction === 'top' ? input.topLevel : input.bottomLevel;
			const vectorCounts = new Map<string, number>();
			for (const r of raters) vectorCounts.set(r.pattern, (vectorCounts.get(r.pattern) ?? 0) + 1);
			const multiplier = Math.min(1, e / o);
			// The window counts as E answers (E/O), and the excess is taken out of the shifted level
			// only: of the E answers an honest window would hold, a share p0 is at the shifted level
			// (what the window's own areas usually answer), so shifted answers weigh E·p0/T and the
			// others E·(1 − p0)/(O − T), each at most 1. Weighting the whole window by E/O instead
			// keeps the campaign's share in what is left: the window still counts E answers, but with
			// the inflated top-box share, and that residue is the residual inflation.
			const shiftedCount = direction === 'top' ? win.top[i] : win.bottom[i];
			const p0 = Math.min(1, Math.max(0, direction === 'top' ? p0Top : p0Bottom));
			const shiftedWeight = shiftedCount > 0 ? Math.min(1, (e * p0) / shiftedCount) : multiplier;
			const otherWeight =
				o - shiftedCount > 0 ? Math.min(1, (e * (1 - p0)) / (o - shiftedCount)) : multiplier;
			let templateCount = 0;
			let fast = 0;
			const copied = new Set<string>();
			const prefixCounts = new Map<string, number>();
			let narrow = 0;
			for (const r of raters) {
				if (r.prefixHash && r.networkType !== 'mobile' && r.networkType !== 'broadband_cgnat') {
					narrow++;
					prefixCounts.set(r.prefixHash, (prefixCounts.get(r.prefixHash) ?? 0) + 1);
				}
				const inDirection = level(r.pattern, i) === shifted;
				let isTemplate = false;
				if (inDirection) {
					const known = knownCount(r.pattern);
					let same = 0;
					for (let j = 0; j < r.pattern.length; j++) if (level(r.pattern, j) === shifted) same++;
					isTemplate =
						(vectorCounts.get(r.pattern) ?? 0) >= b.templateRepeat ||
						(known === same && known / Math.max(1, units) >= b.templateKnownShare);
				}
				const isFast =
					inDirection &&
					median !== null &&
					r.durationMs !== null &&
					r.durationMs < b.fastBelow * median;
				if (isTemplate) {
					templateCount++;
					if (knownCount(r.pattern) / Math.max(1, units) >= b.templateKnownShare) {
						copied.add(r.pattern);
					}
				}
				if (isFast) fast++;
				if (!applies(r)) continue;
				give(r.id, 'burst.member');
				if (isTemplate) give(r.id, 'burst.template');
				if (isFast) give(r.id, 'burst.fast');
				let w = weights.get(r.id);
				if (!w) weights.set(r.id, (w = new Map()));
				w.set(i, Math.min(w.get(i) ?? 1, inDirection ? shiftedWeight : otherWeight));
			}
			const topPrefixes = [...prefixCounts.values()]
				.sort((x, y) => y - x)
				.slice(0, rules.concentration.top);
			const topShare = topPrefixes.reduce((x, y) => x + y, 0) / o;
			const topPatterns = [...vectorCounts.entries()]
				.sort((x, y) => y[1] - x[1])
				.slice(0, 5)
				.map(([pattern, n]) => ({ pattern, n }));
			const durations = raters
				.flatMap((r) => (r.durationMs === null ? [] : [r.durationMs]))
				.sort((x, y) => x - y);
			for (const pattern of copied) {
				templates.push({ pattern, from: ws * SLOT_MS, to: (ws + windowSlots) * SLOT_MS });
			}
			alerts.push({
				detector: 'burst',
				unitIndex: i,
				windowStart: ws * SLOT_MS,
				windowEnd: (ws + windowSlots) * SLOT_MS,
				observed: o,
				expected: e,
				evidence: {
					p,
					direction,
					zTop: round(zTop),
					zBottom: round(zBottom),
					baselineTopShare: round(p0Top),
					windowTopShare: round(win.top[i] / o),
					baselineBottomShare: round(p0Bottom),
					windowBottomShare: round(win.bottom[i] / o),
					submissionsInWindow: nw,
					weight: round(multiplier),
					shiftedWeight: round(shiftedWeight),
					otherWeight: round(otherWeight),
					templates: templateCount,
					fast,
					templateVectors: [...copied].slice(0, 20),
					medianDurationMs: durations.length ? durations[durations.length >> 1] : null,
					surveyMedianMs: median,
					topPatterns,
					network: {
						narrowShare: round(narrow / o),
						topPrefixShare: round(topShare),
						topPrefixCount: topPrefixes.reduce((x, y) => x + y, 0),
						concentrated:
							topShare >= rules.concentration.share &&
							topPrefixes.reduce((x, y) => x + y, 0) >= rules.concentration.minCount
					}
				}
			});
		}
	}

	// ---- copies of alerted templates (the campaign's stragglers) ----
	// A vector answering most units, identical to the template of an alerted window, arriving in the
	// days around it, is the same instruction followed later; honest residents do not know (and rate
	// alike) nearly every unit of the county.
	if (templates.length) {
		const byPattern = new Map<string, KnownTemplate[]>();
		for (const k of templates) byPattern.set(k.pattern, [...(byPattern.get(k.pattern) ?? []), k]);
		for (const r of counted) {
			const list = byPattern.get(r.pattern);
			if (!list || !applies(r) || codes.get(r.id)?.has('burst.template')) continue;
			if (
				list.some(
					(k) => r.receivedAt >= k.from - COPY_BEFORE_MS && r.receivedAt < k.to + COPY_AFTER_MS
				)
			) {
				give(r.id, 'template.copy');
			}
		}
	}

	// ---- template clusters (D3) ----
	const t = rules.template;
	const bucketMs = t.windowMinutes * 60_000;
	const live = rows.filter((r) => !r.excluded);
	const allTotal = history.all + live.length;
	const patternTotal = new Map<string, number>(history.patterns);
	for (const r of live) patternTotal.set(r.pattern, (patternTotal.get(r.pattern) ?? 0) + 1);
	const buckets = new Map<number, DetectorRow[]>();
	for (const r of live) {
		const k = Math.floor(r.receivedAt / bucketMs);
		let list = buckets.get(k);
		if (!list) buckets.set(k, (list = []));
		list.push(r);
	}
	for (const [k, list] of buckets) {
		if ((k + 1) * bucketMs <= input.applyFrom) continue;
		const byPattern = new Map<string, DetectorRow[]>();
		for (const r of list) {
			if (knownCount(r.pattern) < t.minKnown) continue;
			let g = byPattern.get(r.pattern);
			if (!g) byPattern.set(r.pattern, (g = []));
			g.push(r);
		}
		for (const [pattern, group] of byPattern) {
			if (group.length < t.minSize) continue;
			const outside = (patternTotal.get(pattern) ?? 0) - group.length;
			const baseline = allTotal - list.length > 0 ? outside / (allTotal - list.length) : 0;
			if (baseline > t.maxBaselineShare) continue;
			alerts.push({
				detector: 'template',
				unitIndex: null,
				windowStart: k * bucketMs,
				windowEnd: (k + 1) * bucketMs,
				observed: group.length,
				expected: baseline * list.length,
				evidence: { pattern, members: group.length, baselineShare: round(baseline, 6) }
			});
			for (const r of group) if (applies(r)) give(r.id, 'template.cluster');
		}
	}

	// ---- prefix volume (narrow networks only) ----
	const pv = rules.prefixVolume;
	const pvTypes = new Set<string>(pv.types);
	const byId = new Map(live.map((r) => [r.id, r]));
	const perPrefixHour = new Map<string, DetectorRow[]>();
	for (const r of live) {
		if (!r.prefixHash || !r.networkType || !pvTypes.has(r.networkType)) continue;
		const key = `${Math.floor(r.receivedAt / 3_600_000)}|${r.prefixHash}`;
		let list = perPrefixHour.get(key);
		if (!list) perPrefixHour.set(key, (list = []));
		list.push(r);
	}
	for (const list of perPrefixHour.values()) {
		if (list.length <= pv.perHour) continue;
		for (const r of list) if (applies(r)) give(r.id, 'prefix.volume');
	}

	// ---- off-hours clusters (D7) ----
	for (const id of offHoursClusters(live, rules)) {
		const r = byId.get(id);
		if (r && applies(r)) give(id, 'offhours.cluster');
	}

	// ---- identity-tier divergence (D5): evidence for the unit's review, over the loaded rows ----
	if (input.levelValues && live.some((r) => r.tier)) {
		const tierRows = live.map((r) => ({
			id: r.id,
			pattern: r.pattern,
			tier: r.tier ?? null,
			counted: r.counted,
			excluded: r.excluded
		}));
		for (const f of tierDivergence(tierRows, units, input.levelValues, rules)) {
			for (const id of f.members) {
				const r = byId.get(id);
				if (r && applies(r)) give(id, 'tier.divergence');
			}
		}
	}

	// ---- duplicate texts ----
	const td = rules.textDuplicate;
	const windowMs = td.windowHours * 3_600_000;
	const byText = new Map<string, DetectorRow[]>();
	for (const r of live) {
		const seen = new Set<string>();
		for (const raw of r.texts) {
			const text = normaliseText(raw);
			if (Array.from(text).length < rules.text.minLength || seen.has(text)) continue;
			seen.add(text);
			let list = byText.get(text);
			if (!list) byText.set(text, (list = []));
			list.push(r);
		}
	}
	for (const list of byText.values()) {
		if (list.length < td.minSize) continue;
		// Rows arrive sorted; a two-pointer pass counts neighbours within the window on each side.
		let lo = 0;
		let hi = 0;
		for (let i = 0; i < list.length; i++) {
			while (list[lo].receivedAt < list[i].receivedAt - windowMs) lo++;
			while (hi + 1 < list.length && list[hi + 1].receivedAt <= list[i].receivedAt + windowMs) hi++;
			if (hi - lo + 1 >= td.minSize && applies(list[i])) give(list[i].id, 'text.duplicate');
		}
	}

	return { alerts, codes, weights, evaluatedFrom };
}

function round(x: number, digits = 4): number {
	const f = 10 ** digits;
	return Math.round(x * f) / f;
}
