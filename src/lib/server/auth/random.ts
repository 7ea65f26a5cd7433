import { encodeBase32LowerCaseNoPadding, encodeHexLowerCase } from '@oslojs/encoding';
import { sha256 } from '@oslojs/crypto/sha2';
import { constantTimeEqual } from '@oslojs/crypto/subtle';

/** 120 bits from the CSPRNG, base32: the Lucia guide's recommendation for ids and secrets. */
export function randomToken(bytes = 15): string {
	const b = new Uint8Array(bytes);
	crypto.getRandomValues(b);
	return encodeBase32LowerCaseNoPadding(b);
}

export function hashSecret(secret: string): Uint8Array {
	return sha256(new TextEncoder().encode(secret));
}

export function secretMatches(secret: string, storedHash: Uint8Array): boolean {
	return constantTimeEqual(hashSecret(secret), new Uint8Array(storedHash));
}

export function hexDigest(text: string): string {
	return encodeHexLowerCase(hashSecret(text));
}
