import type { ReasonCode } from '$lib/schemas/rule-set';
import type { Check, CheckContext, Peer } from './types';
import { hamming } from './patterns';

/**
 * Near-identical answers: at most `maxDiff` units answered differently, and at least `minAgreement`
 * of the units either of them knows answered alike (two people who know only their own township
 * and rate it alike are not "the same answers").
 */
export function nearIdentical(
	a: string,
	b: string,
	maxDiff: number,
	minAgreement: number
): boolean {
	if (hamming(a, b) > maxDiff) return false;
	let union = 0;
	let same = 0;
	const n = Math.max(a.length, b.length);
	for (let i = 0; i < n; i++) {
		const x = a.charCodeAt(i);
		const y = b.charCodeAt(i);
		const knownX = x > 48 && x <= 57;
		const knownY = y > 48 && y <= 57;
		if (!knownX && !knownY) continue;
		union++;
		if (x === y) same++;
	}
	return union === 0 ? a === b : same / union >= minAgreement;
}

/**
 * One identity key (device cookie, phone): near-identical answers to an earlier submission on the
 * same key, or more submissions than a household plausibly shares, are a duplicate (quarantined; the
 * first one is kept because it is the earlier one). Different answers on a shared key are a flag.
 */
export function identityFinding(
	pattern: string,
	earlier: readonly Peer[],
	ctx: CheckContext
): ReasonCode | null {
	if (!earlier.length) return null;
	const r = ctx.rules.identity;
	if (earlier.some((p) => nearIdentical(p.pattern, pattern, r.hamming, r.minAgreement))) {
		return 'identity.duplicate';
	}
	if (earlier.length >= r.maxPerKey) return 'identity.duplicate';
	return 'identity.shared';
}

/** `identity.duplicate` / `identity.shared` over the device cookie and the verified phone. */
export const identityCheck: Check = (input, ctx) => {
	const found = [
		identityFinding(input.pattern, ctx.devicePeers, ctx),
		identityFinding(input.pattern, ctx.phonePeers, ctx)
	];
	if (found.includes('identity.duplicate')) return ['identity.duplicate'];
	if (found.includes('identity.shared')) return ['identity.shared'];
	return [];
};
