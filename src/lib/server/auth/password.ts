import { hash, verify } from '@node-rs/argon2';
import { randomToken } from './random';

// OWASP minimum for argon2id (19 MiB, 2 passes, 1 lane): ~18 ms here, slow enough for guessing.
const options = { memoryCost: 19456, timeCost: 2, outputLen: 32, parallelism: 1 };

export function hashPassword(password: string): Promise<string> {
	return hash(password, options);
}

export async function verifyPassword(passwordHash: string, password: string): Promise<boolean> {
	try {
		return await verify(passwordHash, password);
	} catch {
		return false;
	}
}

/** A readable one-time password for first start and new accounts (≈ 80 bits). */
export function generatePassword(): string {
	return randomToken(10).replace(/(.{4})(?=.)/g, '$1-');
}

// A fixed hash to verify against when the account does not exist, so timing does not reveal it.
let dummyHash: Promise<string> | undefined;
export function dummyPasswordHash(): Promise<string> {
	dummyHash ??= hashPassword('not-a-real-password-' + randomToken());
	return dummyHash;
}
