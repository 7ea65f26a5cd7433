import { createHmac, randomBytes } from 'node:crypto';
import { eq } from 'drizzle-orm';
import type { DbOrTx } from '../db/client';
import { appSecret } from '../db/schema';
import { env } from '../env';

let cached: Buffer | undefined;

/**
 * The key behind start tokens and keyed hashes of client addresses. From APP_SECRET when set (needed
 * when several processes share one database only if they must agree without it: they read the same
 * stored row anyway), otherwise generated once and kept in the database.
 */
export async function loadAppSecret(db: DbOrTx): Promise<Buffer> {
	if (cached) return cached;
	const configured = env().APP_SECRET;
	if (configured) {
		cached = Buffer.from(configured, 'utf8');
		return cached;
	}
	const fresh = randomBytes(32);
	await db.insert(appSecret).values({ name: 'app', value: fresh }).onConflictDoNothing();
	const [row] = await db.select().from(appSecret).where(eq(appSecret.name, 'app'));
	cached = Buffer.from(row.value);
	return cached;
}

export function appSecretLoaded(): Buffer {
	if (!cached) throw new Error('app secret not loaded');
	return cached;
}

/** Keyed hash for values that must be comparable but never stored in clear (addresses, emails in keys). */
export function keyedHash(purpose: string, value: string): string {
	return createHmac('sha256', appSecretLoaded())
		.update(purpose)
		.update('\0')
		.update(value)
		.digest('base64url')
		.slice(0, 22);
}

export function forgetAppSecret(): void {
	cached = undefined;
}
