import { randomBytes } from 'node:crypto';
import { keyedHash } from '../auth/app-secret';
import { CODE_ALPHABET, CODE_LENGTH } from '$lib/invitation-code';

/** A fresh code from the CSPRNG (rejection sampling keeps every character equally likely). */
export function generateCode(): string {
	let out = '';
	while (out.length < CODE_LENGTH) {
		for (const b of randomBytes(16)) {
			if (b < 256 - (256 % CODE_ALPHABET.length) && out.length < CODE_LENGTH) {
				out += CODE_ALPHABET[b % CODE_ALPHABET.length];
			}
		}
	}
	return out;
}

/** Codes are random, so a keyed hash is enough (no slow hash needed); the key is the app secret. */
export function codeHash(code: string): string {
	return keyedHash('invitation-code', code);
}
