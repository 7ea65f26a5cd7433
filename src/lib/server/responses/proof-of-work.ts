import { createHmac } from 'node:crypto';
import { createChallenge, randomInt, verifySolution, type Challenge } from 'altcha-lib';
import { deriveKey } from 'altcha-lib/algorithms/sha';

/**
 * ALTCHA proof-of-work bound to a start token: the challenge carries the token's nonce in its signed
 * data, so a solution is good for that one token only (and the token is single-use).
 *
 * Cost: one SHA-256 per counter value and a counter drawn from 2,000–6,000, so a client scans about
 * 4,000 hashes on average: well under a second with Web Crypto on a low-end phone, while a bot
 * farm pays for every submission.
 */
export const POW_COUNTER_MIN = 2_000;
export const POW_COUNTER_MAX = 6_000;

/** The two HMAC secrets of the challenges, derived from the app key (exported for the benchmark). */
export function powSecrets(key: Buffer) {
	const derive = (label: string) => createHmac('sha256', key).update(label).digest('base64url');
	return { challenge: derive('altcha-challenge'), key: derive('altcha-key') };
}

export async function createPowChallenge(
	key: Buffer,
	tokenNonce: string,
	expiresAt: Date
): Promise<Challenge> {
	const s = powSecrets(key);
	return createChallenge({
		algorithm: 'SHA-256',
		cost: 1,
		counter: randomInt(POW_COUNTER_MIN, POW_COUNTER_MAX),
		keyPrefixLength: 4,
		deriveKey,
		data: { t: tokenNonce },
		expiresAt,
		hmacSignatureSecret: s.challenge,
		hmacKeySignatureSecret: s.key
	});
}

export type PowCheck =
	| { ok: true; solveMs: number | null }
	| { ok: false; reason: 'pow.invalid' | 'pow.other_token' | 'pow.expired' };

/** How long a challenge stays solvable: longer than a start token, see checkPow. */
export const POW_LIFETIME_MS = 7 * 24 * 60 * 60 * 1000;

/** Verifies the ALTCHA payload (base64 JSON `{challenge, solution}`) for this token's nonce. */
export async function checkPow(
	key: Buffer,
	payload: string,
	tokenNonce: string
): Promise<PowCheck> {
	let decoded: {
		challenge?: Challenge;
		solution?: { counter: number; derivedKey: string; time?: number };
	};
	try {
		decoded = JSON.parse(Buffer.from(payload, 'base64').toString('utf8'));
	} catch {
		return { ok: false, reason: 'pow.invalid' };
	}
	const { challenge, solution } = decoded ?? {};
	if (!challenge?.parameters || !solution || typeof solution.counter !== 'number') {
		return { ok: false, reason: 'pow.invalid' };
	}
	if (challenge.parameters.data?.t !== tokenNonce) return { ok: false, reason: 'pow.other_token' };
	const s = powSecrets(key);
	try {
		const result = await verifySolution({
			challenge,
			solution,
			deriveKey,
			hmacSignatureSecret: s.challenge,
			hmacKeySignatureSecret: s.key
		});
		// A page left open for a week is not a robot: treat it as no proof rather than a bad one.
		if (result.expired) return { ok: false, reason: 'pow.expired' };
		if (!result.verified) return { ok: false, reason: 'pow.invalid' };
	} catch {
		return { ok: false, reason: 'pow.invalid' };
	}
	const t = Number(solution.time);
	return { ok: true, solveMs: Number.isFinite(t) && t >= 0 && t < 600_000 ? Math.round(t) : null };
}
