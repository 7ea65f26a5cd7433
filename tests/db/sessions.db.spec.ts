import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eq } from 'drizzle-orm';
import { createTestDb } from '$lib/server/db/testing';
import type { Db, DbHandle } from '$lib/server/db/client';
import { session } from '$lib/server/db/schema';
import {
	createSession,
	deleteExpiredSessions,
	invalidateSession,
	invalidateUserSessions,
	validateSessionToken
} from '$lib/server/auth/session';
import { updateUser } from '$lib/server/users/users';
import { admin, createTestUser, dumpAllTables } from '../fixtures/db';

const DAY = 24 * 60 * 60 * 1000;
const DAYS = 7;
const t0 = new Date('2030-03-01T08:00:00.000Z');
const at = (days: number) => new Date(t0.getTime() + days * DAY);

let handle: DbHandle;
let db: Db;

beforeAll(async () => {
	handle = await createTestDb();
	db = handle.db;
});
afterAll(async () => {
	await handle?.close();
});

async function storedExpiry(id: string): Promise<Date | undefined> {
	const [row] = await db.select().from(session).where(eq(session.id, id));
	return row?.expiresAt;
}

describe('sessions', () => {
	it('creates a session whose token validates to its user; only a hash is stored', async () => {
		const u = await createTestUser(db, 'viewer');
		const { token, session: s } = await createSession(db, u.id, DAYS, t0);
		expect(s.expiresAt).toEqual(at(DAYS));
		const [id, secret] = token.split('.');
		expect(id).toBe(s.id);
		expect(secret.length).toBeGreaterThanOrEqual(32);

		const v = await validateSessionToken(db, token, DAYS, at(1));
		expect(v?.user).toMatchObject({ id: u.id, email: u.email, role: 'viewer' });
		expect(v?.session.id).toBe(s.id);
		expect(v?.renewed).toBe(false);

		const dump = Object.values(await dumpAllTables(db)).join('\n');
		expect(dump).toContain(id);
		expect(dump).not.toContain(secret);
	});

	it('refuses a wrong secret, a malformed token and an unknown id', async () => {
		const u = await createTestUser(db, 'viewer');
		const { token } = await createSession(db, u.id, DAYS, t0);
		const [id, secret] = token.split('.');
		const flipped = secret.slice(0, -1) + (secret.endsWith('a') ? 'b' : 'a');
		for (const bad of [`${id}.${flipped}`, id, `${id}.`, `.${secret}`, 'x.y', '']) {
			expect(await validateSessionToken(db, bad, DAYS, at(1)), bad).toBeNull();
		}
		expect(await validateSessionToken(db, `${'a'.repeat(65)}.${secret}`, DAYS, at(1))).toBeNull();
		// A wrong guess does not destroy the real session.
		expect(await validateSessionToken(db, token, DAYS, at(1))).not.toBeNull();
	});

	it('expires: refused at and after its expiry, and the row is deleted', async () => {
		const u = await createTestUser(db, 'reviewer');
		const { token, session: s } = await createSession(db, u.id, DAYS, t0);
		expect(
			await validateSessionToken(db, token, DAYS, new Date(at(DAYS).getTime() - 1))
		).not.toBeNull();
		// The validation above renewed it (past half-life); build a fresh one to test expiry itself.
		const fresh = await createSession(db, u.id, DAYS, t0);
		expect(await validateSessionToken(db, fresh.token, DAYS, at(DAYS))).toBeNull();
		expect(await storedExpiry(fresh.session.id)).toBeUndefined();
		expect(await validateSessionToken(db, fresh.token, DAYS, at(1))).toBeNull();
		expect(await storedExpiry(s.id)).toBeDefined();
	});

	it('slides: renewed by the full lifetime only once past half of it', async () => {
		const u = await createTestUser(db, 'admin');
		const { token, session: s } = await createSession(db, u.id, DAYS, t0);

		const early = await validateSessionToken(db, token, DAYS, at(3));
		expect(early?.renewed).toBe(false);
		expect(early?.session.expiresAt).toEqual(at(DAYS));
		expect(await storedExpiry(s.id)).toEqual(at(DAYS));

		const late = await validateSessionToken(db, token, DAYS, at(4));
		expect(late?.renewed).toBe(true);
		expect(late?.session.expiresAt).toEqual(at(4 + DAYS));
		expect(await storedExpiry(s.id)).toEqual(at(4 + DAYS));

		// Still valid long after the first expiry, because it was used.
		const later = await validateSessionToken(db, token, DAYS, at(10));
		expect(later?.renewed).toBe(true);
		expect(later?.session.expiresAt).toEqual(at(10 + DAYS));
		// ... but not after a full lifetime of disuse.
		expect(await validateSessionToken(db, token, DAYS, at(10 + DAYS))).toBeNull();
	});

	it('signs a user out everywhere, or everywhere but the current session', async () => {
		const u = await createTestUser(db, 'viewer');
		const other = await createTestUser(db, 'viewer');
		const a = await createSession(db, u.id, DAYS, t0);
		const b = await createSession(db, u.id, DAYS, t0);
		const c = await createSession(db, u.id, DAYS, t0);
		const theirs = await createSession(db, other.id, DAYS, t0);

		await invalidateUserSessions(db, u.id, b.session.id);
		expect(await validateSessionToken(db, a.token, DAYS, at(1))).toBeNull();
		expect(await validateSessionToken(db, b.token, DAYS, at(1))).not.toBeNull();
		expect(await validateSessionToken(db, c.token, DAYS, at(1))).toBeNull();
		expect(await validateSessionToken(db, theirs.token, DAYS, at(1))).not.toBeNull();

		await invalidateUserSessions(db, u.id);
		expect(await validateSessionToken(db, b.token, DAYS, at(1))).toBeNull();
		expect(await validateSessionToken(db, theirs.token, DAYS, at(1))).not.toBeNull();

		await invalidateSession(db, theirs.session.id);
		expect(await validateSessionToken(db, theirs.token, DAYS, at(1))).toBeNull();
	});

	it('a role change, a password reset or disabling ends the user’s sessions at once', async () => {
		const u = await createTestUser(db, 'viewer');
		for (const change of [
			{ role: 'reviewer' as const },
			{ password: 'another-password-1' },
			{ disabled: true }
		]) {
			const s = await createSession(db, u.id, DAYS, t0);
			expect(await validateSessionToken(db, s.token, DAYS, at(1))).not.toBeNull();
			await updateUser(db, admin, u.id, change);
			expect(
				await validateSessionToken(db, s.token, DAYS, at(1)),
				JSON.stringify(change)
			).toBeNull();
		}
		// A disabled user cannot use a session made afterwards either.
		const late = await createSession(db, u.id, DAYS, t0);
		expect(await validateSessionToken(db, late.token, DAYS, at(1))).toBeNull();
		await updateUser(db, admin, u.id, { disabled: false });
		const back = await createSession(db, u.id, DAYS, t0);
		expect((await validateSessionToken(db, back.token, DAYS, at(1)))?.user.role).toBe('reviewer');
	});

	it('a name change keeps the sessions', async () => {
		const u = await createTestUser(db, 'viewer');
		const s = await createSession(db, u.id, DAYS, t0);
		await updateUser(db, admin, u.id, { name: '新名字' });
		expect((await validateSessionToken(db, s.token, DAYS, at(1)))?.user.name).toBe('新名字');
	});

	it('prunes expired sessions', async () => {
		const u = await createTestUser(db, 'viewer');
		const old = await createSession(db, u.id, 1, t0);
		const current = await createSession(db, u.id, DAYS, t0);
		await deleteExpiredSessions(db, at(2));
		expect(await storedExpiry(old.session.id)).toBeUndefined();
		expect(await storedExpiry(current.session.id)).toBeDefined();
	});
});
