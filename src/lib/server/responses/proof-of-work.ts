import { createHash, createHmac, randomBytes, randomInt, timingSafeEqual } from 'node:crypto';

/**
 * ALTCHA (v2, SHA-256) proof of work bound to a start token: the challenge carries the token's
 * nonce in its signed data, so a solution is good for that one token only (and the token is
 * single-use). The format is altcha-lib's, so the altcha widget or altcha-lib can solve it (tests
 * check both ways); it is built and verified here with node:crypto because altcha-lib's WebCrypto
 * calls go through the libuv thread pool and queued up under load (measured: page rendering idled).
 *
 * Cost: one SHA-256 per counter value, the counter drawn from 2,000–6,000: a client scans about
 * 4,000 hashes on average, well under a second with Web Crypto on a low-end phone.
 */
export const POW_COUNTER_MIN = 2_000;
export const POW_COUNTER_MAX = 6_000;
/** How long a challenge stays solvable: longer than a start token, see checkPow. */
export const POW_LIFETIME_MS = 7 * 24 * 60 * 60 * 1000;
const KEY_PREFIX_BYTES = 4;

export interface PowChallenge {
	parameters: {
		algorithm: 'SHA-256';
		cost: number;
		data: { t: string };
		expiresAt: number;
		keyLength: number;
		keyPrefix: string;
		keySignature: string;
		nonce: string;
		salt: string;
	};
	signature: string;
}

/** The two HMAC secrets of the challenges, derived from the app key. */
export function powSecrets(key: Buffer) {
	const derive = (label: string) => createHmac('sha256', key).update(label).digest('base64url');
	return { challenge: derive('altcha-challenge'), key: derive('altcha-key') };
}

/** JSON with object keys sorted at every level, as altcha-lib signs it. */
function canonicalJson(value: unknown): string {
	const sort = (v: unknown): unknown =>
		v && typeof v === 'object' && !Array.isArray(v)
			? Object.fromEntries(
					Object.keys(v)
						.sort()
						.filter((k) => (v as Record<string, unknown>)[k] !== undefined)
						.map((k) => [k, sort((v as Record<string, unknown>)[k])])
				)
			: v;
	return JSON.stringify(sort(value));
}

const hmacHex = (secret: string, data: string | Buffer) =>
	createHmac('sha256', secret).update(data).digest('hex');

export function deriveKey(salt: string, nonce: string, counter: number): Buffer {
	const counterBytes = Buffer.alloc(4);
	counterBytes.writeUInt32BE(counter, 0);
	return createHash('sha256')
		.update(Buffer.from(salt, 'hex'))
		.update(Buffer.from(nonce, 'hex'))
		.update(counterBytes)
		.digest();
}

export function createPowChallenge(
	key: Buffer,
	tokenNonce: string,
	expiresAt: Date,
	counter = randomInt(POW_COUNTER_MIN, POW_COUNTER_MAX + 1)
): PowChallenge {
	const s = powSecrets(key);
	const salt = randomBytes(16).toString('hex');
	const nonce = randomBytes(16).toString('hex');
	const derived = deriveKey(salt, nonce, counter);
	const parameters: PowChallenge['parameters'] = {
		algorithm: 'SHA-256',
		cost: 1,
		data: { t: tokenNonce },
		expiresAt: Math.floor(expiresAt.getTime() / 1000),
		keyLength: 32,
		keyPrefix: derived.subarray(0, KEY_PREFIX_BYTES).toString('hex'),
		keySignature: hmacHex(s.key, derived),
		nonce,
		salt
	};
	return { parameters, signature: hmacHex(s.challenge, canonicalJson(parameters)) };
}

export type PowCheck =
	| { ok: true; solveMs: number | null }
	| { ok: false; reason: 'pow.invalid' | 'pow.other_token' | 'pow.expired' };

function sameHex(a: unknown, b: string): boolean {
	if (typeof a !== 'string' || a.length !== b.length) return false;
	return timingSafeEqual(Buffer.from(a), Buffer.from(b));
}

/** Verifies the ALTCHA payload (base64 JSON `{challenge, solution}`) for this token's nonce. */
export function checkPow(
	key: Buffer,
	payload: string,
	tokenNonce: string,
	now = new Date()
): PowCheck {
	let decoded: {
		challenge?: {
			parameters?: Record<string, unknown> & { data?: { t?: unknown } };
			signature?: unknown;
		};
		solution?: { counter?: unknown; derivedKey?: unknown; time?: unknown };
	};
	try {
		decoded = JSON.parse(Buffer.from(payload, 'base64').toString('utf8'));
	} catch {
		return { ok: false, reason: 'pow.invalid' };
	}
	const p = decoded?.challenge?.parameters;
	const solution = decoded?.solution;
	if (!p || typeof p !== 'object' || !solution || typeof solution !== 'object') {
		return { ok: false, reason: 'pow.invalid' };
	}
	if (p.data?.t !== tokenNonce) return { ok: false, reason: 'pow.other_token' };
	const s = powSecrets(key);
	if (!sameHex(decoded.challenge?.signature, hmacHex(s.challenge, canonicalJson(p)))) {
		return { ok: false, reason: 'pow.invalid' };
	}
	// A page left open for a week is not a robot: treat it as no proof rather than a bad one.
	if (typeof p.expiresAt === 'number' && p.expiresAt < now.getTime() / 1000) {
		return { ok: false, reason: 'pow.expired' };
	}
	const dk = solution.derivedKey;
	if (typeof dk !== 'string' || !/^(?:[0-9a-f]{2}){32}$/.test(dk)) {
		return { ok: false, reason: 'pow.invalid' };
	}
	if (!sameHex(p.keySignature, hmacHex(s.key, Buffer.from(dk, 'hex')))) {
		return { ok: false, reason: 'pow.invalid' };
	}
	const t = Number(solution.time);
	return { ok: true, solveMs: Number.isFinite(t) && t >= 0 && t < 600_000 ? Math.round(t) : null };
}
