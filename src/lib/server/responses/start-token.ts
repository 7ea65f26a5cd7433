import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * The signed start token issued with every survey page: HMAC over survey, issue time and a nonce.
 * It proves the page was fetched from us, tells how long the respondent took, and is single-use
 * (its nonce is spent in the transaction that stores the submission).
 */
export const MIN_TOKEN_AGE_MS = 8_000;
export const MAX_TOKEN_AGE_MS = 24 * 60 * 60 * 1000;

export interface StartToken {
	surveyId: number;
	issuedAt: Date;
	nonce: string;
}

function sign(key: Buffer, body: string): string {
	return createHmac('sha256', key).update('start-token\0').update(body).digest('base64url');
}

export function issueStartToken(
	key: Buffer,
	surveyId: number,
	now = new Date()
): { token: string; nonce: string } {
	const nonce = randomBytes(12).toString('base64url');
	const body = `v1.${surveyId}.${now.getTime()}.${nonce}`;
	return { token: `${body}.${sign(key, body)}`, nonce };
}

export type TokenCheck =
	| { ok: true; token: StartToken; ageMs: number; stale: boolean }
	| { ok: false; reason: 'token.invalid' | 'token.too_fast' | 'token.other_survey' };

/**
 * A token older than the maximum is not refused: the resident who left the page open overnight did
 * nothing wrong. It is still single-use, and the submission carries `token.stale` for review.
 */
export function checkStartToken(
	key: Buffer,
	surveyId: number,
	token: string,
	now: Date
): TokenCheck {
	const parts = token.split('.');
	if (parts.length !== 5 || parts[0] !== 'v1') return { ok: false, reason: 'token.invalid' };
	const [v, sid, at, nonce, mac] = parts;
	const expected = Buffer.from(sign(key, `${v}.${sid}.${at}.${nonce}`));
	const given = Buffer.from(mac);
	if (expected.length !== given.length || !timingSafeEqual(expected, given)) {
		return { ok: false, reason: 'token.invalid' };
	}
	if (Number(sid) !== surveyId) return { ok: false, reason: 'token.other_survey' };
	const issuedAt = new Date(Number(at));
	const ageMs = now.getTime() - issuedAt.getTime();
	if (!Number.isFinite(ageMs) || ageMs < MIN_TOKEN_AGE_MS) {
		return { ok: false, reason: 'token.too_fast' };
	}
	return {
		ok: true,
		token: { surveyId, issuedAt, nonce },
		ageMs,
		stale: ageMs > MAX_TOKEN_AGE_MS
	};
}
