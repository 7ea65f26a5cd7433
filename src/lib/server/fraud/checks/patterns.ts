import type { Check } from './types';

/** Number of rating items answered differently (a longer pattern's extra items all differ). */
export function hamming(a: string, b: string): number {
	const n = Math.max(a.length, b.length);
	let d = 0;
	for (let i = 0; i < n; i++) if (a.charCodeAt(i) !== b.charCodeAt(i)) d++;
	return d;
}

/** The known (not don't-know) levels of a pattern, in order. */
export function knownLevels(pattern: string): number[] {
	const out: number[] = [];
	for (let i = 0; i < pattern.length; i++) {
		const c = pattern.charCodeAt(i) - 48;
		if (c > 0 && c <= 9) out.push(c);
	}
	return out;
}

export function knownCount(pattern: string): number {
	let n = 0;
	for (let i = 0; i < pattern.length; i++) {
		const c = pattern.charCodeAt(i);
		if (c > 48 && c <= 57) n++;
	}
	return n;
}

/** Every known answer the same level (straight-lining over known items, DK excluded). */
export function isStraightLine(known: readonly number[]): boolean {
	return known.length > 0 && known.every((x) => x === known[0]);
}

/**
 * Alternating (ABAB…) or ladder (1234 1234…, 4321 4321…) answers: patterned, not read. A ladder is a
 * constant step of ±1 modulo the number of levels, which also covers wrapping around.
 */
export function isSequence(known: readonly number[], levelCount: number): boolean {
	if (known.length < 3 || isStraightLine(known)) return false;
	let alternating = known[0] !== known[1];
	for (let i = 2; i < known.length && alternating; i++) alternating = known[i] === known[i - 2];
	if (alternating) return true;
	const k = Math.max(2, levelCount);
	const step = (((known[1] - known[0]) % k) + k) % k;
	if (step !== 1 && step !== k - 1) return false;
	for (let i = 2; i < known.length; i++) {
		if ((((known[i] - known[i - 1]) % k) + k) % k !== step) return false;
	}
	return true;
}

/** `pattern.sequence`: alternating or ladder answers over enough known items. */
export const sequenceCheck: Check = (input, ctx) => {
	const known = knownLevels(input.pattern);
	if (known.length < ctx.rules.sequence.minKnown) return [];
	return isSequence(known, ctx.survey.levelCount) ? ['pattern.sequence'] : [];
};

/** `pattern.all_known`: (nearly) every unit of a long list answered, none with 不了解. */
export const allKnownCheck: Check = (input, ctx) => {
	const r = ctx.rules.allKnown;
	const n = ctx.survey.ratingItems;
	if (n < r.minItems || input.pattern.length === 0) return [];
	return knownCount(input.pattern) >= r.share * n ? ['pattern.all_known'] : [];
};
