import { and, eq, lt, sql } from 'drizzle-orm';
import type { DbOrTx } from '../db/client';
import { rateLimitHit } from '../db/schema';

export interface RateLimitResult {
	allowed: boolean;
	count: number;
	/** Seconds until the window resets (for Retry-After). */
	retryAfter: number;
}

/**
 * Fixed-window counter in the database, so every app process sees the same count.
 * One upsert per call; `count` includes this attempt.
 */
export async function hitRateLimit(
	db: DbOrTx,
	bucket: string,
	key: string,
	limit: number,
	windowSeconds: number,
	now = new Date()
): Promise<RateLimitResult> {
	const windowMs = windowSeconds * 1000;
	const windowStart = new Date(Math.floor(now.getTime() / windowMs) * windowMs);
	const [row] = await db
		.insert(rateLimitHit)
		.values({ bucket, key, windowStart, count: 1 })
		.onConflictDoUpdate({
			target: [rateLimitHit.bucket, rateLimitHit.key, rateLimitHit.windowStart],
			set: { count: sql`${rateLimitHit.count} + 1` }
		})
		.returning({ count: rateLimitHit.count });
	const count = row?.count ?? 1;
	const retryAfter = Math.max(
		1,
		Math.ceil((windowStart.getTime() + windowMs - now.getTime()) / 1000)
	);
	return { allowed: count <= limit, count, retryAfter };
}

/** Reads the current count without adding to it. */
export async function peekRateLimit(
	db: DbOrTx,
	bucket: string,
	key: string,
	windowSeconds: number,
	now = new Date()
): Promise<number> {
	const windowMs = windowSeconds * 1000;
	const windowStart = new Date(Math.floor(now.getTime() / windowMs) * windowMs);
	const rows = await db
		.select({ count: rateLimitHit.count })
		.from(rateLimitHit)
		.where(
			// Column-typed comparisons: a Date inside raw sql reaches postgres.js unserialised.
			and(
				eq(rateLimitHit.bucket, bucket),
				eq(rateLimitHit.key, key),
				eq(rateLimitHit.windowStart, windowStart)
			)
		);
	return rows[0]?.count ?? 0;
}

export async function pruneRateLimits(db: DbOrTx, before: Date): Promise<void> {
	await db.delete(rateLimitHit).where(and(lt(rateLimitHit.windowStart, before)));
}
