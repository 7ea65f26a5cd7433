import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';
import { appSecretLoaded, keyedHash } from '../auth/app-secret';

/**
 * Roster phone numbers are needed in clear only to send an SMS, so they are kept encrypted
 * (AES-256-GCM) with a key derived from the app secret, plus a keyed hash to find duplicates.
 * Stored layout: version (1 byte) · IV (12) · tag (16) · ciphertext.
 */
const VERSION = 1;
const AAD = Buffer.from('pingyi/roster-phone');
let derived: { secret: Buffer; key: Buffer } | undefined;

function key(): Buffer {
	const secret = appSecretLoaded();
	if (derived?.secret !== secret) {
		const k = hkdfSync('sha256', secret, Buffer.alloc(0), 'pingyi/roster-phone/v1', 32);
		derived = { secret, key: Buffer.from(k) };
	}
	return derived.key;
}

export function encryptPhone(phone: string): Uint8Array {
	const iv = randomBytes(12);
	const cipher = createCipheriv('aes-256-gcm', key(), iv);
	cipher.setAAD(AAD);
	const body = Buffer.concat([cipher.update(phone, 'utf8'), cipher.final()]);
	return new Uint8Array(Buffer.concat([Buffer.from([VERSION]), iv, cipher.getAuthTag(), body]));
}

/** The phone number, or null when the blob was made with another key or was tampered with. */
export function decryptPhone(blob: Uint8Array | null | undefined): string | null {
	if (!blob || blob.length < 1 + 12 + 16 + 1 || blob[0] !== VERSION) return null;
	const b = Buffer.from(blob);
	try {
		const decipher = createDecipheriv('aes-256-gcm', key(), b.subarray(1, 13));
		decipher.setAAD(AAD);
		decipher.setAuthTag(b.subarray(13, 29));
		return Buffer.concat([decipher.update(b.subarray(29)), decipher.final()]).toString('utf8');
	} catch {
		return null;
	}
}

/** Keyed per survey, so the same person's number cannot be matched across surveys by its hash. */
export function rosterPhoneHash(surveyId: number, phone: string): string {
	return keyedHash('roster-phone', `${surveyId}\0${phone}`);
}
