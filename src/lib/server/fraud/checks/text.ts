import type { ReasonCode } from '$lib/schemas/rule-set';
import type { Check } from './types';

/**
 * Comparable form of a free text: NFKC (full-width → half-width), lower case, without white space,
 * punctuation and symbols. Works on code points, so emoji and mixed scripts are safe.
 */
export function normaliseText(s: string): string {
	return s
		.normalize('NFKC')
		.toLowerCase()
		.replace(/[\s\p{P}\p{S}\p{C}]+/gu, '');
}

const keyboardRuns = [
	'qwer',
	'wert',
	'asdf',
	'sdfg',
	'zxcv',
	'uiop',
	'hjkl',
	'jkl',
	'fdsa',
	'rewq'
];

/**
 * Gibberish: one character dominating, a long run of one character, a short chunk repeated, very
 * few distinct characters, or keyboard mashing in Latin letters. Texts shorter than the minimum are
 * ignored: set phrases such as "很好" or "满意" are what residents write.
 */
export function isGibberish(text: string, minLength: number): boolean {
	const t = normaliseText(text);
	const chars = Array.from(t);
	if (chars.length < Math.max(1, minLength)) return false;
	const counts = new Map<string, number>();
	let run = 1;
	let longestRun = 1;
	for (let i = 0; i < chars.length; i++) {
		counts.set(chars[i], (counts.get(chars[i]) ?? 0) + 1);
		if (i > 0) {
			run = chars[i] === chars[i - 1] ? run + 1 : 1;
			if (run > longestRun) longestRun = run;
		}
	}
	let top = 0;
	for (const n of counts.values()) if (n > top) top = n;
	if (longestRun >= 6 || top / chars.length > 0.5) return true;
	if (chars.length >= 12 && counts.size / chars.length < 0.25) return true;
	if (chars.length <= 400 && /^(.{1,4})\1{2,}$/u.test(t)) return true;
	if (/^[a-z]+$/.test(t)) {
		if (keyboardRuns.some((k) => t.includes(k))) return true;
		if (/[bcdfghjklmnpqrstvwxz]{6,}/.test(t)) return true;
	}
	return false;
}

/** A comment that repeats the questionnaire's own wording (a question, an option, the title). */
export function isCopied(text: string, copyTexts: readonly string[], minLength: number): boolean {
	const t = normaliseText(text);
	if (Array.from(t).length < Math.max(1, minLength)) return false;
	return copyTexts.some((c) => c === t || (c.length >= 8 && c.includes(t)));
}

/** `text.gibberish` and `text.copied`, each at most once per submission. */
export const textCheck: Check = (input, ctx) => {
	const out: ReasonCode[] = [];
	const min = ctx.rules.text.minLength;
	if (input.comments.some((c) => isGibberish(c, min))) out.push('text.gibberish');
	if (input.comments.some((c) => isCopied(c, ctx.survey.copyTexts, min))) out.push('text.copied');
	return out;
};
