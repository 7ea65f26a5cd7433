import { describe, expect, it } from 'vitest';
import { solveChallenge, verifySolution, type Challenge } from 'altcha-lib';
import { deriveKey as altchaDeriveKey } from 'altcha-lib/algorithms/sha';
import { checkPow, createPowChallenge, deriveKey, powSecrets } from './proof-of-work';

const key = Buffer.alloc(32, 9);
const later = new Date(Date.now() + 3600_000);
const payload = (challenge: unknown, solution: unknown) =>
	Buffer.from(JSON.stringify({ challenge, solution })).toString('base64');

describe('proof of work (ALTCHA v2 format)', () => {
	it('is solvable by altcha-lib, and altcha-lib verifies our challenge', async () => {
		const challenge = createPowChallenge(key, 'nonce-1', later);
		const solution = await solveChallenge({
			challenge: challenge as unknown as Challenge,
			deriveKey: altchaDeriveKey
		});
		expect(solution).not.toBeNull();
		const s = powSecrets(key);
		const verified = await verifySolution({
			challenge: challenge as unknown as Challenge,
			solution: solution!,
			deriveKey: altchaDeriveKey,
			hmacSignatureSecret: s.challenge,
			hmacKeySignatureSecret: s.key
		});
		expect(verified.verified).toBe(true);
		expect(checkPow(key, payload(challenge, solution), 'nonce-1')).toMatchObject({ ok: true });
	});

	it('refuses another token, a tampered key, a tampered challenge and garbage', () => {
		const counter = 2500;
		const challenge = createPowChallenge(key, 'nonce-2', later, counter);
		const derivedKey = deriveKey(
			challenge.parameters.salt,
			challenge.parameters.nonce,
			counter
		).toString('hex');
		expect(checkPow(key, payload(challenge, { counter, derivedKey }), 'nonce-2').ok).toBe(true);
		expect(checkPow(key, payload(challenge, { counter, derivedKey }), 'nonce-3')).toEqual({
			ok: false,
			reason: 'pow.other_token'
		});
		const wrongKey = (derivedKey[0] === '0' ? '1' : '0') + derivedKey.slice(1);
		expect(checkPow(key, payload(challenge, { counter, derivedKey: wrongKey }), 'nonce-2')).toEqual(
			{ ok: false, reason: 'pow.invalid' }
		);
		const tampered = { ...challenge, parameters: { ...challenge.parameters, cost: 0 } };
		expect(checkPow(key, payload(tampered, { counter, derivedKey }), 'nonce-2')).toEqual({
			ok: false,
			reason: 'pow.invalid'
		});
		expect(checkPow(key, 'not base64 json', 'nonce-2').ok).toBe(false);
		expect(
			checkPow(Buffer.alloc(32, 1), payload(challenge, { counter, derivedKey }), 'nonce-2').ok
		).toBe(false);
	});

	it('calls an expired challenge expired, not invalid', () => {
		const challenge = createPowChallenge(key, 'n', new Date(Date.now() - 1000), 2222);
		const derivedKey = deriveKey(
			challenge.parameters.salt,
			challenge.parameters.nonce,
			2222
		).toString('hex');
		expect(checkPow(key, payload(challenge, { counter: 2222, derivedKey }), 'n')).toEqual({
			ok: false,
			reason: 'pow.expired'
		});
	});
});
