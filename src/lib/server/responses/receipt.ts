import { randomBytes } from 'node:crypto';

// No 0/O/1/I: a receipt may be read out over the phone.
const ALPHABET = 'ABCDEFGHJKLMNPQRSTUVWXYZ23456789';

/** A 10-character receipt number (50 bits), shown as XXXXX-XXXXX. */
export function newReceipt(): string {
	const bytes = randomBytes(10);
	let s = '';
	for (const b of bytes) s += ALPHABET[b & 31];
	return `${s.slice(0, 5)}-${s.slice(5)}`;
}
