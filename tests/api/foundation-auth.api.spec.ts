import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
	ADMIN_EMAIL,
	ADMIN_PASSWORD,
	startTestServer,
	type TestServer
} from '../helpers/app-server';
import {
	apiCall,
	expectNoStackTrace,
	get,
	postForm,
	SESSION_COOKIE,
	setCookies,
	signIn
} from '../fixtures/http';

let server: TestServer;
let adminToken: string;
const errorBodies: string[] = [];

// The server trusts X-Forwarded-For (as behind a reverse proxy), so each sign-in below can come
// from its own address and the per-address login limit is exercised only where a test means to.
let addressSeq = 0;
const nextAddress = () => `10.9.${Math.floor(++addressSeq / 250)}.${addressSeq % 250}`;
const from = (address = nextAddress()) => ({ 'x-forwarded-for': address });

const login = (email: string, password: string) => signIn(server, email, password, from());

async function token(email: string, password: string, address = nextAddress()) {
	return apiCall(server, 'POST', '/api/v1/auth/tokens', {
		json: { email, password, name: 'test' },
		headers: from(address)
	});
}

async function admin(method: string, p: string, json?: unknown) {
	const r = await apiCall(server, method, p, { token: adminToken, json });
	if (r.status >= 400) errorBodies.push(r.text);
	return r;
}

async function createUser(
	email: string,
	role: string,
	password?: string
): Promise<{ id: number; password: string }> {
	const r = await admin('POST', '/api/v1/users', {
		email,
		name: email.split('@')[0],
		role,
		...(password ? { password } : {}),
		...(role === 'unit_liaison' ? { unitCode: 'TW01' } : {})
	});
	expect(r.status, r.text).toBe(201);
	return { id: Number(r.body.id), password: password ?? String(r.body.oneTimePassword) };
}

/** A new admin account: the per-account limit (5 a window) would stop tests sharing one. */
let accountSeq = 0;
async function freshAdmin(): Promise<{ email: string; password: string }> {
	const email = `officer${++accountSeq}@test.local`;
	const { password } = await createUser(email, 'admin', 'officer-password-1');
	return { email, password };
}

beforeAll(async () => {
	server = await startTestServer({ ADDRESS_HEADER: 'x-forwarded-for', XFF_DEPTH: '1' });
	const t = await token(ADMIN_EMAIL, ADMIN_PASSWORD);
	expect(t.status).toBe(201);
	adminToken = String(t.body.token);
});
afterAll(async () => {
	await server?.stop();
});

describe('health', () => {
	it('/healthz answers while the process lives; /readyz when the database answers', async () => {
		const h = await get(server, '/healthz');
		expect(h.status).toBe(200);
		expect(await h.json()).toEqual({ status: 'ok' });
		const r = await get(server, '/readyz');
		expect(r.status).toBe(200);
		expect(r.headers.get('content-type')).toContain('application/json');
		expect(await r.json()).toEqual({
			status: 'ready',
			database: process.env.TEST_DATABASE_URL ? 'postgres' : 'pglite'
		});
	});
});

describe('signing in through the login page', () => {
	it('shows the form to anyone', async () => {
		const res = await get(server, '/login');
		expect(res.status).toBe(200);
		const html = await res.text();
		expect(html).toMatch(/<form[^>]*method="POST"/i);
		expect(html).toContain('name="password"');
	});

	it('303 to the console with an HttpOnly, SameSite=Lax session cookie', async () => {
		const res = await postForm(server, '/login', await freshAdmin(), { headers: from() });
		expect(res.status).toBe(303);
		expect(res.headers.get('location')).toBe('/admin');
		const c = setCookies(res).get(SESSION_COOKIE);
		expect(c?.value).toMatch(/^[a-z2-7]+\.[a-z2-7]+$/);
		const attrs = c!.attributes.map((a) => a.toLowerCase());
		expect(attrs).toContain('httponly');
		expect(attrs).toContain('samesite=lax');
		expect(attrs).toContain('path=/');
		// Plain-HTTP ORIGIN: not Secure (an https ORIGIN makes it Secure).
		expect(attrs).not.toContain('secure');
		const expires = attrs.find((a) => a.startsWith('expires='));
		const days = (Date.parse(expires!.slice(8)) - Date.now()) / 86_400_000;
		expect(days).toBeGreaterThan(6);
		expect(days).toBeLessThanOrEqual(7);

		const cookie = `${SESSION_COOKIE}=${c!.value}`;
		const page = await get(server, '/admin', { cookie });
		expect(page.status).toBe(200);
		expect(page.headers.get('cache-control')).toBe('private, no-store');
	});

	it('issues a new session id on every sign-in and drops a session planted before it', async () => {
		const officer = await freshAdmin();
		const a = await login(officer.email, officer.password);
		const b = await login(officer.email, officer.password);
		const id = (c: string) => c.split('=')[1].split('.')[0];
		expect(id(a)).not.toBe(id(b));
		expect((await get(server, '/admin', { cookie: a })).status).toBe(200);
		expect((await get(server, '/admin', { cookie: b })).status).toBe(200);

		// Signing in while carrying session `a` replaces it.
		const res = await postForm(server, '/login', officer, { cookie: a, headers: from() });
		expect(res.status).toBe(303);
		const c = setCookies(res).get(SESSION_COOKIE)!.value;
		expect(c.split('.')[0]).not.toBe(id(a));
		expect((await get(server, '/admin', { cookie: a })).status).toBe(303);
		expect((await get(server, '/admin', { cookie: `${SESSION_COOKIE}=${c}` })).status).toBe(200);
		expect((await get(server, '/admin', { cookie: b })).status).toBe(200);
	});

	it('follows ?next= only to paths on this site', async () => {
		const officer = await freshAdmin();
		const go = async (next: string) => {
			const res = await postForm(server, `/login?next=${encodeURIComponent(next)}`, officer, {
				headers: from()
			});
			expect(res.status).toBe(303);
			return res.headers.get('location');
		};
		expect(await go('/admin/users')).toBe('/admin/users');
		expect(await go('//evil.example/x')).toBe('/admin');
		expect(await go('https://evil.example/')).toBe('/admin');
		expect(await go('/\\evil.example')).toBe('/admin');
	});

	it('refuses a wrong password or an unknown account with 401 and no cookie', async () => {
		const officer = await freshAdmin();
		for (const [email, password] of [
			[officer.email, 'wrong-password'],
			['nobody@test.local', 'whatever-password']
		]) {
			const res = await postForm(server, '/login', { email, password }, { headers: from() });
			expect(res.status).toBe(401);
			expect(setCookies(res).get(SESSION_COOKIE)).toBeUndefined();
			const html = await res.text();
			errorBodies.push(html);
			expect(html).toContain('role="alert"');
		}
		const empty = await postForm(
			server,
			'/login',
			{ email: '', password: '' },
			{ headers: from() }
		);
		expect(empty.status).toBe(400);
	});

	it('refuses a cross-origin or origin-less form post with 403 (CSRF)', async () => {
		const officer = await freshAdmin();
		for (const origin of ['http://evil.example', 'null', `${server.url}.evil.example`, null]) {
			const res = await postForm(server, '/login', officer, { origin, headers: from() });
			expect(res.status, String(origin)).toBe(403);
			expect(setCookies(res).get(SESSION_COOKIE)).toBeUndefined();
			errorBodies.push(await res.text());
		}
		// The same for a signed-in admin's console action.
		const cookie = await login(officer.email, officer.password);
		const before = (await admin('GET', '/api/v1/cycles')).body.items as unknown[];
		const res = await postForm(
			server,
			'/admin/cycles?/create',
			{ name: '跨站', year: '2025' },
			{ cookie, origin: 'http://evil.example' }
		);
		expect(res.status).toBe(403);
		expect((await admin('GET', '/api/v1/cycles')).body.items).toHaveLength(before.length);
	});

	it('signs out: the cookie is cleared and the session is dead', async () => {
		const officer = await freshAdmin();
		const cookie = await login(officer.email, officer.password);
		const res = await postForm(server, '/logout', {}, { cookie });
		expect(res.status).toBe(303);
		expect(res.headers.get('location')).toBe('/login');
		const cleared = setCookies(res).get(SESSION_COOKIE);
		expect(cleared?.value).toBe('');
		const again = await get(server, '/admin', { cookie });
		expect(again.status).toBe(303);
		expect(again.headers.get('location')).toBe('/login?next=%2Fadmin');
	});

	it('sends an invalid or forged session to the login page and clears the cookie', async () => {
		const officer = await freshAdmin();
		const real = (await login(officer.email, officer.password)).split('=')[1];
		const [id, secret] = real.split('.');
		for (const value of [
			'garbage',
			'abc.def',
			`${id}.${secret.replace(/.$/, (ch) => (ch === 'a' ? 'b' : 'a'))}`,
			`${id}`,
			'%00.%00'
		]) {
			const res = await get(server, '/admin/cycles?x=1', { cookie: `${SESSION_COOKIE}=${value}` });
			expect(res.status, value).toBe(303);
			expect(res.headers.get('location')).toBe('/login?next=%2Fadmin%2Fcycles%3Fx%3D1');
			expect(setCookies(res).get(SESSION_COOKIE)?.value, value).toBe('');
		}
		// The real session survived the forgeries.
		expect((await get(server, '/admin', { cookie: `${SESSION_COOKIE}=${real}` })).status).toBe(200);
	});

	describe.runIf(!!process.env.TEST_DATABASE_URL)(
		'against the server’s PostgreSQL database',
		() => {
			let sql: postgres.Sql;
			beforeAll(() => {
				sql = postgres(server.env.DATABASE_URL, { max: 1, onnotice: () => {} });
			});
			afterAll(async () => {
				await sql?.end();
			});

			it('an expired session is sent to the login page', async () => {
				const officer = await freshAdmin();
				const cookie = await login(officer.email, officer.password);
				const id = cookie.split('=')[1].split('.')[0];
				await sql`update sessions set expires_at = now() - interval '1 minute' where id = ${id}`;
				const res = await get(server, '/admin', { cookie });
				expect(res.status).toBe(303);
				expect(res.headers.get('location')).toBe('/login?next=%2Fadmin');
				expect(await sql`select 1 from sessions where id = ${id}`).toHaveLength(0);
			});

			it('a session past half its life is renewed, with a fresh cookie', async () => {
				const officer = await freshAdmin();
				const cookie = await login(officer.email, officer.password);
				const id = cookie.split('=')[1].split('.')[0];
				await sql`update sessions set expires_at = now() + interval '2 days' where id = ${id}`;
				const res = await get(server, '/admin', { cookie });
				expect(res.status).toBe(200);
				const renewed = setCookies(res).get(SESSION_COOKIE);
				expect(renewed?.value).toBe(cookie.split('=')[1]);
				const [row] = await sql<{ days: number }[]>`
				select extract(epoch from expires_at - now()) / 86400 as days from sessions where id = ${id}`;
				expect(Number(row.days)).toBeGreaterThan(6);
			});
		}
	);
});

describe('users API', () => {
	it('POST without a password returns a one-time password that must be changed at first sign-in', async () => {
		const r = await admin('POST', '/api/v1/users', {
			email: 'first.timer@test.local',
			name: '新人',
			role: 'viewer'
		});
		expect(r.status).toBe(201);
		expect(Object.keys(r.body).sort()).toEqual(['id', 'oneTimePassword']);
		const otp = String(r.body.oneTimePassword);
		expect(otp.length).toBeGreaterThanOrEqual(12);

		const cookie = await login('first.timer@test.local', otp);
		const console = await get(server, '/admin', { cookie });
		expect(console.status).toBe(303);
		expect(console.headers.get('location')).toBe('/account/password');
		const changed = await postForm(
			server,
			'/account/password',
			{ current: otp, next: 'my-new-password-1', confirm: 'my-new-password-1' },
			{ cookie }
		);
		expect(changed.status).toBe(200);
		expect((await get(server, '/admin', { cookie })).status).toBe(200);
		expect((await token('first.timer@test.local', otp)).status).toBe(401);
		expect((await token('first.timer@test.local', 'my-new-password-1')).status).toBe(201);
	});

	it('POST with a password returns only the id; listings never show password hashes', async () => {
		const r = await admin('POST', '/api/v1/users', {
			email: 'With.Password@Test.Local',
			name: '有密码',
			role: 'reviewer',
			password: 'given-password-1'
		});
		expect(r.status).toBe(201);
		expect(Object.keys(r.body)).toEqual(['id']);
		const list = await admin('GET', '/api/v1/users');
		const me = (list.body.items as { email: string; role: string }[]).find(
			(u) => u.email === 'with.password@test.local'
		);
		expect(me?.role).toBe('reviewer');
		expect(list.text).not.toMatch(/passwordHash|password_hash|\$argon2/);
		const one = await admin('GET', `/api/v1/users/${r.body.id}`);
		expect(one.text).not.toMatch(/passwordHash|\$argon2/);
	});

	it('refuses bad users: duplicate email (any case), liaison without unit, bad email, short password', async () => {
		await createUser('dup@test.local', 'viewer', 'dup-password-1');
		const dup = await admin('POST', '/api/v1/users', {
			email: 'DUP@test.local',
			name: 'd',
			role: 'viewer'
		});
		expect(dup.status).toBe(409);
		expect(dup.body.errors).toEqual([{ path: 'email', message: 'email_taken' }]);
		const liaison = await admin('POST', '/api/v1/users', {
			email: 'l@test.local',
			name: 'l',
			role: 'unit_liaison'
		});
		expect(liaison.status).toBe(400);
		expect(liaison.body.errors).toContainEqual({
			path: 'unitCode',
			message: 'unit_required_for_liaison'
		});
		const bad = await admin('POST', '/api/v1/users', {
			email: 'not-an-email',
			name: 'x',
			role: 'superuser',
			password: 'short'
		});
		expect(bad.status).toBe(400);
		const paths = (bad.body.errors as { path: string }[]).map((e) => e.path).sort();
		expect(paths).toEqual(['email', 'password', 'role']);
	});

	it('PATCH of the role ends the user’s sessions at once; the token carries the new role', async () => {
		const u = await createUser('deputy.admin@test.local', 'admin', 'deputy-admin-pw-1');
		const cookie = await login('deputy.admin@test.local', u.password);
		const t = String((await token('deputy.admin@test.local', u.password)).body.token);
		expect((await get(server, '/admin/users', { cookie })).status).toBe(200);
		expect((await apiCall(server, 'GET', '/api/v1/users', { token: t })).status).toBe(200);

		const r = await admin('PATCH', `/api/v1/users/${u.id}`, { role: 'viewer' });
		expect(r.status).toBe(200);
		expect(r.body.role).toBe('viewer');
		expect(r.text).not.toMatch(/passwordHash|\$argon2/);

		const after = await get(server, '/admin/users', { cookie });
		expect(after.status).toBe(303);
		expect(after.headers.get('location')).toBe('/login?next=%2Fadmin%2Fusers');
		expect((await apiCall(server, 'GET', '/api/v1/users', { token: t })).status).toBe(403);
		expect((await apiCall(server, 'GET', '/api/v1/cycles', { token: t })).status).toBe(200);
	});

	it('PATCH of the name keeps sessions; disabling refuses tokens and sign-in', async () => {
		const u = await createUser('soon.disabled@test.local', 'viewer', 'disabled-pw-123');
		const cookie = await login('soon.disabled@test.local', u.password);
		const t = String((await token('soon.disabled@test.local', u.password)).body.token);
		await admin('PATCH', `/api/v1/users/${u.id}`, { name: '新名字' });
		expect((await get(server, '/admin', { cookie })).status).toBe(200);

		expect((await admin('PATCH', `/api/v1/users/${u.id}`, { disabled: true })).status).toBe(200);
		expect((await get(server, '/admin', { cookie })).status).toBe(303);
		const refused = await apiCall(server, 'GET', '/api/v1/cycles', { token: t });
		expect(refused.status).toBe(401);
		expect(refused.body.detail).toBe('invalid_or_revoked_token');
		expect((await token('soon.disabled@test.local', u.password)).status).toBe(401);
	});

	it('an admin cannot demote, disable or delete themselves; others can be deleted', async () => {
		const list = await admin('GET', '/api/v1/users');
		const me = (list.body.items as { id: number; email: string }[]).find(
			(x) => x.email === ADMIN_EMAIL
		)!;
		expect((await admin('PATCH', `/api/v1/users/${me.id}`, { role: 'viewer' })).status).toBe(400);
		expect((await admin('PATCH', `/api/v1/users/${me.id}`, { disabled: true })).status).toBe(400);
		expect((await admin('DELETE', `/api/v1/users/${me.id}`)).status).toBe(400);
		expect((await admin('GET', `/api/v1/users/${me.id}`)).body.role).toBe('admin');

		const u = await createUser('leaver@test.local', 'viewer', 'leaver-pw-1234');
		const del = await admin('DELETE', `/api/v1/users/${u.id}`);
		expect(del.status).toBe(204);
		expect(del.text).toBe('');
		expect((await admin('GET', `/api/v1/users/${u.id}`)).status).toBe(404);
		expect((await admin('DELETE', `/api/v1/users/${u.id}`)).status).toBe(404);
		expect((await admin('PATCH', '/api/v1/users/999999', { name: 'x' })).status).toBe(404);
		expect((await admin('GET', '/api/v1/users/abc')).status).toBe(404);
	});
});

describe('login rate limits over HTTP', () => {
	const WINDOW = 15 * 60 * 1000;
	/** Runs `scenario` inside one fixed rate-limit window (retrying once if it straddled two). */
	async function inOneWindow(scenario: (attempt: number) => Promise<void>) {
		for (let attempt = 0; attempt < 2; attempt++) {
			const start = Math.floor(Date.now() / WINDOW);
			await scenario(attempt);
			if (Math.floor(Date.now() / WINDOW) === start) return;
		}
	}

	it('5 failures lock the account: the 6th attempt gets 429 with Retry-After, right password or not', async () => {
		await inOneWindow(async (attempt) => {
			const email = `locked${attempt}@test.local`;
			const u = await createUser(email, 'admin', 'locked-password-1');
			for (let i = 0; i < 5; i++) {
				const r = await token(email, 'wrong-password');
				expect(r.status).toBe(401);
			}
			const locked = await token(email, u.password);
			expect(locked.status).toBe(429);
			expect(locked.headers.get('content-type')).toContain('application/problem+json');
			expect(locked.body).toMatchObject({ status: 429, detail: 'too_many_attempts' });
			const retry = Number(locked.headers.get('retry-after'));
			expect(Number.isInteger(retry)).toBe(true);
			expect(retry).toBeGreaterThan(0);
			expect(retry).toBeLessThanOrEqual(900);
			errorBodies.push(locked.text);
			// The login page shares the limit.
			const page = await postForm(
				server,
				'/login',
				{ email, password: u.password },
				{ headers: from() }
			);
			expect(page.status).toBe(429);
			expect(setCookies(page).get(SESSION_COOKIE)).toBeUndefined();
		});
	});

	it('20 attempts from one address lock that address, across accounts; other addresses go on', async () => {
		await inOneWindow(async (attempt) => {
			const address = `198.51.100.${20 + attempt}`;
			const accounts: string[] = [];
			for (let a = 0; a < 5; a++) {
				const email = `spray${attempt}-${a}@test.local`;
				await createUser(email, 'viewer', 'spray-password-1');
				accounts.push(email);
			}
			for (const email of accounts) {
				for (let i = 0; i < 4; i++) {
					expect((await token(email, 'wrong-password', address)).status).toBe(401);
				}
			}
			const fresh = `fresh${attempt}@test.local`;
			await createUser(fresh, 'viewer', 'fresh-password-1');
			expect((await token(fresh, 'fresh-password-1', address)).status).toBe(429);
			expect((await token(fresh, 'fresh-password-1', '198.51.100.200')).status).toBe(201);
			expect((await token(accounts[0], 'spray-password-1', '198.51.100.201')).status).toBe(201);
		});
	});
});

describe('error bodies', () => {
	it('never carry a stack trace, and the server logged no unhandled error', () => {
		expect(errorBodies.length).toBeGreaterThan(10);
		for (const b of errorBodies) expectNoStackTrace(b, b.slice(0, 200));
		expect(server.output()).not.toContain('unhandled');
		// Raw client addresses are never logged.
		expect(server.output()).not.toContain('198.51.100.20');
	});
});
