import type { AnswerCell } from './cells';

/** A label in both interface languages, as plain data (the UI picks one). */
export interface LocalizedLabel {
	zh: string;
	en: string;
}

export interface ScaleLevel {
	code: string;
	/** Value on the 0–100 scale. */
	value: number;
	label: LocalizedLabel;
	/** 好差评: the level counts as a bad review (差评). */
	badReview?: boolean;
}

export interface Scale {
	id: string;
	levels: readonly ScaleLevel[];
	dontKnow: { code: string; label: LocalizedLabel };
}

/** What the scoring functions need of a scale; a survey's custom scale fits this shape too. */
export interface ScaleLike {
	levels: readonly { code: string; value: number; badReview?: boolean }[];
	dontKnow: { code: string };
}

export const DONT_KNOW_CODE = 'dont_know';

const dontKnow = { code: DONT_KNOW_CODE, label: { zh: '不了解', en: "Don't know" } };

/** 4-level 测评 scale: 满意 100 · 比较满意 80 · 基本满意 60 · 不满意 0 · 不了解 excluded. */
export const ceping4: Scale = {
	id: 'ceping4',
	levels: [
		{ code: 'satisfied', value: 100, label: { zh: '满意', en: 'Satisfied' } },
		{ code: 'fairly_satisfied', value: 80, label: { zh: '比较满意', en: 'Fairly satisfied' } },
		{
			code: 'basically_satisfied',
			value: 60,
			label: { zh: '基本满意', en: 'Basically satisfied' }
		},
		{ code: 'dissatisfied', value: 0, label: { zh: '不满意', en: 'Dissatisfied' } }
	],
	dontKnow
};

/** 5-level 好差评 scale: 100 · 80 · 60 · 30 · 0; the last two levels are 差评 (bad reviews). */
export const haoping5: Scale = {
	id: 'haoping5',
	levels: [
		{ code: 'very_satisfied', value: 100, label: { zh: '非常满意', en: 'Very satisfied' } },
		{ code: 'satisfied', value: 80, label: { zh: '满意', en: 'Satisfied' } },
		{
			code: 'basically_satisfied',
			value: 60,
			label: { zh: '基本满意', en: 'Basically satisfied' }
		},
		{
			code: 'dissatisfied',
			value: 30,
			label: { zh: '不满意', en: 'Dissatisfied' },
			badReview: true
		},
		{
			code: 'very_dissatisfied',
			value: 0,
			label: { zh: '非常不满意', en: 'Very dissatisfied' },
			badReview: true
		}
	],
	dontKnow
};

export const builtInScales: Readonly<Record<'ceping4' | 'haoping5', Scale>> = { ceping4, haoping5 };

/**
 * The 0–100 value of a level code: a number for a rating level, null for the don't-know code,
 * undefined for a code the scale does not know.
 */
export function levelValue(scale: ScaleLike, code: string): number | null | undefined {
	if (code === scale.dontKnow.code) return null;
	return scale.levels.find((l) => l.code === code)?.value;
}

/** A level counts as satisfied when its value is at least the threshold (default 60, 基本满意). */
export function isSatisfied(value: number, threshold = 60): boolean {
	return value >= threshold;
}

/**
 * Turns level counts (level code → number of answers, don't-know included) into unweighted cells
 * for one unit, group and area. Unknown codes are left out and reported.
 */
export function levelCountsToCells(
	scale: ScaleLike,
	counts: Readonly<Record<string, number>>,
	where: { unit: string; group: string; area: string | null }
): { cells: AnswerCell[]; unknownCodes: string[] } {
	const cells: AnswerCell[] = [];
	const unknownCodes: string[] = [];
	for (const [code, n] of Object.entries(counts)) {
		const value = levelValue(scale, code);
		if (value === undefined) {
			unknownCodes.push(code);
			continue;
		}
		if (n > 0) cells.push({ ...where, value, n });
	}
	return { cells, unknownCodes };
}

export interface LevelCountSummary {
	/** Mean value of the non-don't-know answers, 0–100; null when there are none. */
	score: number | null;
	/** Share (0–1) of non-don't-know answers at a satisfied level; null when there are none. */
	satisfiedShare: number | null;
	/** Share (0–1) of non-don't-know answers that are 差评; 0 for scales without bad-review levels. */
	badReviewShare: number | null;
	/** Don't-know answers over all answers (0–1); null when there are no answers at all. */
	dkShare: number | null;
	nValid: number;
	nDontKnow: number;
}

/**
 * Unweighted summary of level counts, as used for a 好差评 stream: e.g. 40/8/1/1/0 on `haoping5`
 * gives score 94.6 and a bad-review share of 0.02.
 */
export function summariseLevelCounts(
	scale: ScaleLike,
	counts: Readonly<Record<string, number>>,
	satisfiedThreshold = 60
): LevelCountSummary {
	let nValid = 0;
	let sum = 0;
	let satisfied = 0;
	let bad = 0;
	for (const level of scale.levels) {
		const n = counts[level.code] ?? 0;
		if (!(n > 0) || !Number.isFinite(n)) continue;
		nValid += n;
		sum += n * level.value;
		if (isSatisfied(level.value, satisfiedThreshold)) satisfied += n;
		if (level.badReview) bad += n;
	}
	const dkRaw = counts[scale.dontKnow.code] ?? 0;
	const nDontKnow = dkRaw > 0 && Number.isFinite(dkRaw) ? dkRaw : 0;
	const total = nValid + nDontKnow;
	return {
		score: nValid > 0 ? sum / nValid : null,
		satisfiedShare: nValid > 0 ? satisfied / nValid : null,
		badReviewShare: nValid > 0 ? bad / nValid : null,
		dkShare: total > 0 ? nDontKnow / total : null,
		nValid,
		nDontKnow
	};
}
