import { and, eq, lt, ne } from 'drizzle-orm';
import type { Cookies } from '@sveltejs/kit';
import type { DbOrTx } from '../db/client';
import { session, user, type User } from '../db/schema';
import { hashSecret, randomToken, secretMatches } from './random';

export const SESSION_COOKIE = 'pingyi-session';
const DAY_MS = 24 * 60 * 60 * 1000;

export type SessionUser = Pick<
	User,
	'id' | 'email' | 'name' | 'role' | 'unitCode' | 'mustChangePassword'
>;
export interface SessionInfo {
	id: string;
	expiresAt: Date;
}

/** Lucia guide: the token is `<id>.<secret>`; only SHA-256 of the secret is stored. */
export async function createSession(
	db: DbOrTx,
	userId: number,
	days: number,
	now = new Date()
): Promise<{ token: string; session: SessionInfo }> {
	const id = randomToken();
	const secret = randomToken(20);
	const expiresAt = new Date(now.getTime() + days * DAY_MS);
	await db.insert(session).values({ id, secretHash: hashSecret(secret), userId, expiresAt });
	return { token: `${id}.${secret}`, session: { id, expiresAt } };
}

export interface ValidatedSession {
	session: SessionInfo;
	user: SessionUser;
	/** True when the expiry was pushed forward and the cookie must be re-sent. */
	renewed: boolean;
}

/**
 * Validates a cookie token. Sessions slide: past half their lifetime they are extended by the full
 * lifetime. Expired or disabled-user sessions are deleted.
 */
export async function validateSessionToken(
	db: DbOrTx,
	token: string,
	days: number,
	now = new Date()
): Promise<ValidatedSession | null> {
	const [id, secret] = token.split('.');
	// Ids and secrets are lower-case base32; anything else (a NUL from a %00 cookie) never matches.
	if (!id || !secret || !/^[a-z2-7]{1,64}$/.test(id) || !/^[a-z2-7]{1,64}$/.test(secret)) {
		return null;
	}
	const rows = await db
		.select({
			id: session.id,
			secretHash: session.secretHash,
			expiresAt: session.expiresAt,
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
		.from(session)
		.innerJoin(user, eq(session.userId, user.id))
		.where(eq(session.id, id))
		.limit(1);
	const row = rows[0];
	if (!row || !secretMatches(secret, row.secretHash)) return null;
	if (row.expiresAt.getTime() <= now.getTime() || row.user.disabledAt) {
		await db.delete(session).where(eq(session.id, id));
		return null;
	}
	let expiresAt = row.expiresAt;
	let renewed = false;
	const lifetime = days * DAY_MS;
	if (expiresAt.getTime() - now.getTime() < lifetime / 2) {
		expiresAt = new Date(now.getTime() + lifetime);
		await db.update(session).set({ expiresAt }).where(eq(session.id, id));
		renewed = true;
	}
	const { disabledAt: _disabled, ...u } = row.user;
	void _disabled;
	return { session: { id: row.id, expiresAt }, user: u, renewed };
}

export async function invalidateSession(db: DbOrTx, id: string): Promise<void> {
	await db.delete(session).where(eq(session.id, id));
}

/** Signs a user out everywhere, or everywhere but the session they are using. */
export async function invalidateUserSessions(
	db: DbOrTx,
	userId: number,
	exceptSessionId?: string
): Promise<void> {
	await db
		.delete(session)
		.where(
			exceptSessionId
				? and(eq(session.userId, userId), ne(session.id, exceptSessionId))
				: eq(session.userId, userId)
		);
}

export async function deleteExpiredSessions(db: DbOrTx, now = new Date()): Promise<void> {
	await db.delete(session).where(lt(session.expiresAt, now));
}

export function setSessionCookie(
	cookies: Cookies,
	token: string,
	expiresAt: Date,
	secure: boolean
): void {
	cookies.set(SESSION_COOKIE, token, {
		path: '/',
		httpOnly: true,
		sameSite: 'lax',
		secure,
		expires: expiresAt
	});
}

export function deleteSessionCookie(cookies: Cookies, secure: boolean): void {
	cookies.delete(SESSION_COOKIE, { path: '/', httpOnly: true, sameSite: 'lax', secure });
}
