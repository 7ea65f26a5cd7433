import type { ReasonCode } from '$lib/schemas/rule-set';
import type { Check, CheckContext, Peer } from './types';
import { hamming, isStraightLine, knownLevels } from './patterns';

/** How two answer patterns compare over the units both of them rated (don't-knows left out). */
export function commonAgreement(a: string, b: string): { common: number; same: number } {
	let common = 0;
	let same = 0;
	const n = Math.min(a.length, b.length);
	for (let i = 0; i < n; i++) {
		const x = a.charCodeAt(i);
		const y = b.charCodeAt(i);
		if (!(x > 48 && x <= 57 && y > 48 && y <= 57)) continue;
		common++;
		if (x === y) same++;
	}
	return { common, same };
}

/**
 * Near-identical answers: at most `maxDiff` units answered differently, and of the units both
 * answers rated, at least `minAgreement` rated alike. The agreement is taken over the units both
 * rated because a person answering again mostly changes *which* units they rate (a department they
 * now say they do not know, one they add), while a different person rates the units both know
 * differently; and with nothing rated in common there is no evidence of sameness at all (two people
 * who each rated one different unit are three differences apart but say nothing alike).
 */
export function nearIdentical(
	a: string,
	b: string,
	maxDiff: number,
	minAgreement: number
): boolean {
	if (a === b) return true;
	if (hamming(a, b) > maxDiff) return false;
	const { common, same } = commonAgreement(a, b);
	return common > 0 && same / common >= minAgreement;
}

/**
 * One identity key (device cookie, phone): near-identical answers to an earlier submission on the
 * same key, or more submissions than a household plausibly shares, are a duplicate (quarantined; the
 * first one is kept because it is the earlier one). Different answers on a shared key are a shared
 * key.
 *
 * Timing decides what "near-identical" may mean (research §4.4: a shared account needs different
 * answers *and a plausible timing*). Within `householdWindowMinutes` of an earlier submission a
 * household member passing the phone on is plausible, and like-minded relatives often answer alike,
 * so only an exact copy (`householdHamming`) is a duplicate there, and not even that when the answer
 * is one level for every unit rated: all-满意 over the units a family knows is the commonest answer
 * there is (15–20 % of residents), so two relatives giving it match by chance, while a match on an
 * ordinary answer is the same person. Different answers within the window are what a household
 * looks like (`identity.household`, no points); different answers later are `identity.shared`.
 * Later, the key is presumed to be the same person unless the answers differ.
 */
export function identityFinding(
	pattern: string,
	receivedAt: number,
	earlier: readonly Peer[],
	ctx: CheckContext
): ReasonCode | null {
	if (!earlier.length) return null;
	const r = ctx.rules.identity;
	const windowMs = r.householdWindowMinutes * 60_000;
	const uniform = isStraightLine(knownLevels(pattern));
	let household = false;
	const duplicate = earlier.some((p) => {
		if (Math.abs(receivedAt - p.receivedAt) > windowMs) {
			return nearIdentical(p.pattern, pattern, r.hamming, r.minAgreement);
		}
		household = true;
		return hamming(p.pattern, pattern) <= r.householdHamming && !uniform;
	});
	if (duplicate) return 'identity.duplicate';
	if (earlier.length >= r.maxPerKey) return 'identity.duplicate';
	return household ? 'identity.household' : 'identity.shared';
}

/** `identity.duplicate` / `.shared` / `.household` over the device cookie and the verified phone. */
export const identityCheck: Check = (input, ctx) => {
	const found = [
		identityFinding(input.pattern, input.receivedAt, ctx.devicePeers, ctx),
		identityFinding(input.pattern, input.receivedAt, ctx.phonePeers, ctx)
	];
	if (found.includes('identity.duplicate')) return ['identity.duplicate'];
	if (found.includes('identity.shared')) return ['identity.shared'];
	if (found.includes('identity.household')) return ['identity.household'];
	return [];
};
