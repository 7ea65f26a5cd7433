import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { and, eq } from 'drizzle-orm';
import { createTestDb } from '$lib/server/db/testing';
import type { Db, DbHandle } from '$lib/server/db/client';
import { auditLog } from '$lib/server/db/schema';
import { authenticate } from '$lib/server/auth/login';
import { loadAppSecret } from '$lib/server/auth/app-secret';
import { hitRateLimit, peekRateLimit } from '$lib/server/auth/rate-limit';
import { TooManyRequestsError, UnauthorizedError } from '$lib/server/errors';
import { admin, createTestUser, dumpAllTables } from '../fixtures/db';
import { updateUser } from '$lib/server/users/users';

// Defaults (env.ts): 5 attempts per account and 20 per address in a 15-minute fixed window.
const WINDOW_MS = 15 * 60 * 1000;
/** The start of a window, so that a whole test fits in it whatever the wall clock says. */
const w0 = new Date(Math.ceil(Date.UTC(2030, 0, 1) / WINDOW_MS) * WINDOW_MS);
const inWindow = (seconds: number) => new Date(w0.getTime() + seconds * 1000);
const nextWindow = new Date(w0.getTime() + WINDOW_MS);

let handle: DbHandle;
let db: Db;

beforeAll(async () => {
	handle = await createTestDb();
	db = handle.db;
	await loadAppSecret(db);
});
afterAll(async () => {
	await handle?.close();
});

async function attempt(email: string, password: string, address: string, now: Date) {
	return authenticate(db, email, password, address, now).then(
		(u) => ({ ok: true as const, id: u.id }),
		(e: unknown) => ({ ok: false as const, error: e })
	);
}

describe('login', () => {
	it('accepts the right password, case-insensitively on the email', async () => {
		const u = await createTestUser(db, 'viewer', { email: 'casey@test.local' });
		const r = await attempt('  Casey@Test.Local ', u.password, '198.51.100.1', inWindow(1));
		expect(r).toEqual({ ok: true, id: u.id });
	});

	it('gives the same answer for a wrong password, an unknown user and a disabled user', async () => {
		const u = await createTestUser(db, 'viewer');
		const disabled = await createTestUser(db, 'viewer');
		await updateUser(db, admin, disabled.id, { disabled: true });
		const results = [
			await attempt(u.email, 'wrong-password', '198.51.100.2', inWindow(1)),
			await attempt('nobody@test.local', 'whatever', '198.51.100.3', inWindow(1)),
			await attempt(disabled.email, disabled.password, '198.51.100.4', inWindow(1))
		];
		for (const r of results) {
			expect(r.ok).toBe(false);
			if (!r.ok) {
				expect(r.error).toBeInstanceOf(UnauthorizedError);
				expect((r.error as UnauthorizedError).message).toBe('invalid_credentials');
			}
		}
		const failures = await db
			.select()
			.from(auditLog)
			.where(eq(auditLog.action, 'auth.login_failed'));
		expect(failures.map((f) => (f.detail as { reason: string }).reason).sort()).toEqual([
			'disabled',
			'unknown_user',
			'wrong_password'
		]);
	});
});

describe('login rate limits', () => {
	it('locks an account after 5 failures, even against the right password, until the window ends', async () => {
		const u = await createTestUser(db, 'admin');
		// Each attempt from its own address, so only the per-account limit is in play.
		for (let i = 1; i <= 5; i++) {
			const r = await attempt(u.email, 'wrong-password', `203.0.113.${i}`, inWindow(i));
			expect(r.ok).toBe(false);
			if (!r.ok) expect(r.error).toBeInstanceOf(UnauthorizedError);
		}
		const locked = await attempt(u.email, u.password, '203.0.113.99', inWindow(10));
		expect(locked.ok).toBe(false);
		if (!locked.ok) {
			expect(locked.error).toBeInstanceOf(TooManyRequestsError);
			const e = locked.error as TooManyRequestsError;
			expect(e.status).toBe(429);
			expect(e.retryAfter).toBe(WINDOW_MS / 1000 - 10);
		}
		// The email's case and spaces do not make a new account for the limiter.
		const sneaky = await attempt(
			` ${u.email.toUpperCase()}`,
			u.password,
			'203.0.113.98',
			inWindow(11)
		);
		expect(sneaky.ok).toBe(false);
		if (!sneaky.ok) expect(sneaky.error).toBeInstanceOf(TooManyRequestsError);

		// Another account is not affected.
		const other = await createTestUser(db, 'viewer');
		expect((await attempt(other.email, other.password, '203.0.113.97', inWindow(12))).ok).toBe(
			true
		);
		// The next window lets the owner in.
		expect(await attempt(u.email, u.password, '203.0.113.99', nextWindow)).toEqual({
			ok: true,
			id: u.id
		});

		const limited = await db
			.select()
			.from(auditLog)
			.where(and(eq(auditLog.action, 'auth.login_rate_limited'), eq(auditLog.actorLabel, u.email)));
		expect(limited).toHaveLength(2);
		expect(limited[0].detail).toEqual({ scope: 'account' });
	});

	it('counts successful sign-ins too (a known password cannot be used to probe forever)', async () => {
		const u = await createTestUser(db, 'viewer');
		for (let i = 0; i < 5; i++) {
			expect((await attempt(u.email, u.password, `192.0.2.${i}`, inWindow(100 + i))).ok).toBe(true);
		}
		const sixth = await attempt(u.email, u.password, '192.0.2.50', inWindow(200));
		expect(sixth.ok).toBe(false);
		if (!sixth.ok) expect(sixth.error).toBeInstanceOf(TooManyRequestsError);
	});

	it('locks an address after 20 attempts across accounts, other addresses unaffected', async () => {
		const address = '2001:db8::1';
		const victims = await Promise.all(
			Array.from({ length: 5 }, () => createTestUser(db, 'viewer'))
		);
		// 4 wrong attempts on each of 5 accounts: no account reaches its own limit of 5.
		for (const v of victims) {
			for (let i = 0; i < 4; i++) {
				const r = await attempt(v.email, 'wrong-password', address, inWindow(300));
				expect(r.ok).toBe(false);
				if (!r.ok) expect(r.error).toBeInstanceOf(UnauthorizedError);
			}
		}
		const fresh = await createTestUser(db, 'viewer');
		const blocked = await attempt(fresh.email, fresh.password, address, inWindow(301));
		expect(blocked.ok).toBe(false);
		if (!blocked.ok) {
			expect(blocked.error).toBeInstanceOf(TooManyRequestsError);
			expect((blocked.error as TooManyRequestsError).retryAfter).toBe(WINDOW_MS / 1000 - 301);
		}
		const scope = await db
			.select()
			.from(auditLog)
			.where(
				and(eq(auditLog.action, 'auth.login_rate_limited'), eq(auditLog.actorLabel, fresh.email))
			);
		expect(scope[0].detail).toEqual({ scope: 'address' });

		// The same person from another address gets in; the account itself was not locked.
		expect((await attempt(fresh.email, fresh.password, '2001:db8::2', inWindow(302))).ok).toBe(
			true
		);
		expect(
			(await attempt(victims[0].email, victims[0].password, '2001:db8::3', inWindow(303))).ok
		).toBe(true);
		expect((await attempt(fresh.email, fresh.password, address, nextWindow)).ok).toBe(true);
	});

	it('stores neither the address nor the email in the limiter', async () => {
		const u = await createTestUser(db, 'viewer', { email: 'private.person@test.local' });
		await attempt(u.email, 'wrong-password', '198.51.100.77', inWindow(400));
		const dump = (await dumpAllTables(db)).rate_limit_hits;
		expect(dump.length).toBeGreaterThan(0);
		expect(dump).not.toContain('198.51.100.77');
		expect(dump).not.toContain('private.person');
	});
});

describe('hitRateLimit', () => {
	it('counts per bucket and key in fixed windows and says when to retry', async () => {
		const results = [];
		for (let i = 0; i < 4; i++) {
			results.push(await hitRateLimit(db, 'test', 'k', 3, 60, inWindow(i)));
		}
		expect(results.map((r) => [r.allowed, r.count])).toEqual([
			[true, 1],
			[true, 2],
			[true, 3],
			[false, 4]
		]);
		expect(results[3].retryAfter).toBe(57);
		expect((await hitRateLimit(db, 'test', 'other-key', 3, 60, inWindow(5))).count).toBe(1);
		expect((await hitRateLimit(db, 'other-bucket', 'k', 3, 60, inWindow(5))).count).toBe(1);
		expect((await hitRateLimit(db, 'test', 'k', 3, 60, inWindow(60))).count).toBe(1);
		expect(await peekRateLimit(db, 'test', 'k', 60, inWindow(0))).toBe(4);
	});

	it('counts concurrent hits exactly (one upsert each, no lost updates)', async () => {
		const hits = await Promise.all(
			Array.from({ length: 20 }, () => hitRateLimit(db, 'race', 'k', 5, 60, inWindow(0)))
		);
		expect(hits.map((h) => h.count).sort((a, b) => a - b)).toEqual(
			Array.from({ length: 20 }, (_, i) => i + 1)
		);
		expect(hits.filter((h) => h.allowed)).toHaveLength(5);
	});
});
