import { and, desc, eq, isNull } from 'drizzle-orm';
import type { DbOrTx } from '../db/client';
import { apiToken, user } from '../db/schema';
import { hashSecret, randomToken, secretMatches } from './random';
import type { SessionUser } from './session';

const PREFIX = 'pyt_';

/** Returns the token in clear once; only the SHA-256 of its secret part is stored. */
export async function createApiToken(
	db: DbOrTx,
	userId: number,
	name: string
): Promise<{ id: string; token: string }> {
	const id = randomToken(10);
	const secret = randomToken(20);
	await db.insert(apiToken).values({ id, secretHash: hashSecret(secret), userId, name });
	return { id, token: `${PREFIX}${id}.${secret}` };
}

export async function validateApiToken(
	db: DbOrTx,
	token: string,
	now = new Date()
): Promise<{ tokenId: string; user: SessionUser } | null> {
	if (!token.startsWith(PREFIX)) return null;
	const [id, secret] = token.slice(PREFIX.length).split('.');
	if (!id || !secret || id.length > 64 || secret.length > 64) return null;
	const [row] = await db
		.select({
			secretHash: apiToken.secretHash,
			revokedAt: apiToken.revokedAt,
			lastUsedAt: apiToken.lastUsedAt,
			user: {
				id: user.id,
				email: user.email,
				name: user.name,
				role: user.role,
				unitCode: user.unitCode,
				mustChangePassword: user.mustChangePassword,
				disabledAt: user.disabledAt
			}
		})
		.from(apiToken)
		.innerJoin(user, eq(apiToken.userId, user.id))
		.where(eq(apiToken.id, id))
		.limit(1);
	if (!row || row.revokedAt || row.user.disabledAt || !secretMatches(secret, row.secretHash)) {
		return null;
	}
	// Writing last-used on every call would make each API request a write; a minute is precise enough.
	if (!row.lastUsedAt || now.getTime() - row.lastUsedAt.getTime() > 60_000) {
		await db.update(apiToken).set({ lastUsedAt: now }).where(eq(apiToken.id, id));
	}
	const { disabledAt: _d, ...u } = row.user;
	void _d;
	return { tokenId: id, user: { ...u, mustChangePassword: false } };
}

export async function listApiTokens(db: DbOrTx, userId?: number) {
	return db
		.select({
			id: apiToken.id,
			name: apiToken.name,
			createdAt: apiToken.createdAt,
			lastUsedAt: apiToken.lastUsedAt,
			revokedAt: apiToken.revokedAt,
			userId: apiToken.userId,
			userEmail: user.email
		})
		.from(apiToken)
		.innerJoin(user, eq(apiToken.userId, user.id))
		.where(userId === undefined ? undefined : eq(apiToken.userId, userId))
		.orderBy(desc(apiToken.createdAt));
}

/** Revokes a token; a non-admin may revoke only their own (ownerId set). */
export async function revokeApiToken(
	db: DbOrTx,
	id: string,
	ownerId?: number,
	now = new Date()
): Promise<boolean> {
	const rows = await db
		.update(apiToken)
		.set({ revokedAt: now })
		.where(
			and(
				eq(apiToken.id, id),
				isNull(apiToken.revokedAt),
				ownerId === undefined ? undefined : eq(apiToken.userId, ownerId)
			)
		)
		.returning({ id: apiToken.id });
	return rows.length > 0;
}
