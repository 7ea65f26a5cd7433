import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eq } from 'drizzle-orm';
import { createTestDb } from '$lib/server/db/testing';
import type { Db, DbHandle } from '$lib/server/db/client';
import { apiToken } from '$lib/server/db/schema';
import {
	createApiToken,
	listApiTokens,
	revokeApiToken,
	validateApiToken
} from '$lib/server/auth/api-tokens';
import { deleteUser, updateUser } from '$lib/server/users/users';
import { admin, createTestUser, dumpAllTables } from '../fixtures/db';

const t0 = new Date('2030-05-01T00:00:00.000Z');
const after = (seconds: number) => new Date(t0.getTime() + seconds * 1000);

let handle: DbHandle;
let db: Db;

beforeAll(async () => {
	handle = await createTestDb();
	db = handle.db;
});
afterAll(async () => {
	await handle?.close();
});

async function row(id: string) {
	const [r] = await db.select().from(apiToken).where(eq(apiToken.id, id));
	return r;
}

describe('API tokens', () => {
	it('returns the token once and stores only a hash of its secret', async () => {
		const u = await createTestUser(db, 'admin');
		const { id, token } = await createApiToken(db, u.id, 'integration');
		expect(token).toMatch(/^pyt_[a-z2-7]+\.[a-z2-7]{32}$/);
		const secret = token.split('.')[1];
		const stored = await row(id);
		expect(stored).toMatchObject({
			name: 'integration',
			userId: u.id,
			lastUsedAt: null,
			revokedAt: null
		});
		expect(stored.secretHash.byteLength).toBe(32);

		// No column of any table holds the secret or the whole token, in any encoding.
		const dump = Object.values(await dumpAllTables(db)).join('\n');
		const hex = Buffer.from(secret, 'utf8').toString('hex');
		for (const needle of [secret, token, hex, Buffer.from(secret).toString('base64')]) {
			expect(dump.includes(needle), needle).toBe(false);
		}
	});

	it('validates to its owner, with the owner’s current role', async () => {
		const u = await createTestUser(db, 'reviewer');
		const { id, token } = await createApiToken(db, u.id, 't');
		expect(await validateApiToken(db, token, t0)).toEqual({
			tokenId: id,
			user: expect.objectContaining({
				id: u.id,
				email: u.email,
				role: 'reviewer',
				mustChangePassword: false
			})
		});
		await updateUser(db, admin, u.id, { role: 'viewer' });
		expect((await validateApiToken(db, token, t0))?.user.role).toBe('viewer');
	});

	it('refuses forged, truncated and foreign-prefixed tokens', async () => {
		const u = await createTestUser(db, 'admin');
		const { id, token } = await createApiToken(db, u.id, 't');
		const secret = token.split('.')[1];
		const other = secret.replace(/^./, (c) => (c === 'a' ? 'b' : 'a'));
		for (const bad of [
			`pyt_${id}.${other}`,
			`pyt_${id}.`,
			`pyt_${id}`,
			`${id}.${secret}`,
			`xyz_${id}.${secret}`,
			`pyt_nosuchid.${secret}`,
			`pyt_${'a'.repeat(100)}.${secret}`,
			''
		]) {
			expect(await validateApiToken(db, bad, t0), bad).toBeNull();
		}
		expect(await validateApiToken(db, token, t0)).not.toBeNull();
	});

	it('refuses a revoked token; only its owner (or an admin path) may revoke it', async () => {
		const owner = await createTestUser(db, 'viewer');
		const stranger = await createTestUser(db, 'viewer');
		const { id, token } = await createApiToken(db, owner.id, 't');

		expect(await revokeApiToken(db, id, stranger.id, t0)).toBe(false);
		expect(await validateApiToken(db, token, t0)).not.toBeNull();

		expect(await revokeApiToken(db, id, owner.id, after(1))).toBe(true);
		expect(await validateApiToken(db, token, after(2))).toBeNull();
		expect((await row(id)).revokedAt).toEqual(after(1));
		// Revoking twice reports nothing to revoke and keeps the first time.
		expect(await revokeApiToken(db, id, undefined, after(3))).toBe(false);
		expect((await row(id)).revokedAt).toEqual(after(1));

		const second = await createApiToken(db, owner.id, 'admin-revoked');
		expect(await revokeApiToken(db, second.id, undefined, t0)).toBe(true);
		expect(await validateApiToken(db, second.token, t0)).toBeNull();
	});

	it('refuses the token of a disabled or deleted user', async () => {
		const u = await createTestUser(db, 'admin');
		const { token } = await createApiToken(db, u.id, 't');
		await updateUser(db, admin, u.id, { disabled: true });
		expect(await validateApiToken(db, token, t0)).toBeNull();
		await updateUser(db, admin, u.id, { disabled: false });
		expect(await validateApiToken(db, token, t0)).not.toBeNull();
		await deleteUser(db, admin, u.id);
		expect(await validateApiToken(db, token, t0)).toBeNull();
	});

	it('records when it was last used, to the minute', async () => {
		const u = await createTestUser(db, 'admin');
		const { id, token } = await createApiToken(db, u.id, 't');
		expect((await row(id)).lastUsedAt).toBeNull();
		await validateApiToken(db, token, t0);
		expect((await row(id)).lastUsedAt).toEqual(t0);
		await validateApiToken(db, token, after(30));
		expect((await row(id)).lastUsedAt).toEqual(t0);
		await validateApiToken(db, token, after(61));
		expect((await row(id)).lastUsedAt).toEqual(after(61));
		// A failed validation does not count as use.
		const forged = token.slice(0, -1) + (token.endsWith('x') ? 'y' : 'x');
		await validateApiToken(db, forged, after(200));
		expect((await row(id)).lastUsedAt).toEqual(after(61));

		const listed = await listApiTokens(db, u.id);
		expect(listed).toEqual([
			expect.objectContaining({
				id,
				name: 't',
				lastUsedAt: after(61),
				revokedAt: null,
				userEmail: u.email
			})
		]);
		expect(JSON.stringify(listed)).not.toContain(token.split('.')[1]);
	});

	it('lists only the user’s own tokens unless asked for all', async () => {
		const a = await createTestUser(db, 'viewer');
		const b = await createTestUser(db, 'viewer');
		await createApiToken(db, a.id, 'a1');
		await createApiToken(db, b.id, 'b1');
		expect((await listApiTokens(db, a.id)).map((t) => t.name)).toEqual(['a1']);
		const all = (await listApiTokens(db)).map((t) => t.name);
		expect(all).toEqual(expect.arrayContaining(['a1', 'b1']));
	});
});
