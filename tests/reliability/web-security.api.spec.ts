import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
	ADMIN_EMAIL,
	ADMIN_PASSWORD,
	apiToken,
	startTestServer,
	type TestServer
} from '../helpers/app-server';

let server: TestServer;
let https: TestServer;

beforeAll(async () => {
	server = await startTestServer();
	// Same build behind an HTTPS proxy: ORIGIN says https, the test talks plain HTTP to the process.
	https = await startTestServer({ ORIGIN: 'https://pingyi.example.gov.cn' });
});
afterAll(async () => {
	await server?.stop();
	await https?.stop();
});

async function login(s: TestServer, origin = s.env.ORIGIN, cookie?: string) {
	return fetch(`${s.url}/login`, {
		method: 'POST',
		headers: {
			'content-type': 'application/x-www-form-urlencoded',
			accept: 'text/html',
			origin,
			...(cookie ? { cookie } : {})
		},
		body: new URLSearchParams({ email: ADMIN_EMAIL, password: ADMIN_PASSWORD }),
		redirect: 'manual'
	});
}
const sessionOf = (r: Response) =>
	r.headers
		.getSetCookie()
		.find((c) => c.startsWith('pingyi-session='))
		?.split(';')[0] ?? '';

describe('headers', () => {
	it('every page carries the security headers and a CSP without inline scripts', async () => {
		for (const p of ['/', '/login', '/s/nope']) {
			const r = await fetch(server.url + p);
			expect(r.headers.get('x-content-type-options')).toBe('nosniff');
			expect(r.headers.get('referrer-policy')).toBe('same-origin');
			expect(r.headers.get('x-frame-options')).toBe('DENY');
			const csp = r.headers.get('content-security-policy') ?? '';
			expect(csp).toContain("frame-ancestors 'none'");
			const scriptSrc = /script-src ([^;]*)/.exec(csp)?.[1] ?? '';
			expect(scriptSrc).not.toContain('unsafe-inline');
			expect(r.headers.get('strict-transport-security')).toBeNull();
		}
	});

	it('HSTS and Secure cookies when the public origin is HTTPS', async () => {
		const r = await fetch(`${https.url}/login`);
		expect(r.headers.get('strict-transport-security')).toContain('max-age=');
		const l = await login(https, 'https://pingyi.example.gov.cn');
		expect(l.status).toBe(303);
		const c = l.headers.getSetCookie().find((x) => x.startsWith('pingyi-session=')) ?? '';
		expect(c).toMatch(/HttpOnly/i);
		expect(c).toMatch(/SameSite=Lax/i);
		expect(c).toMatch(/Secure/i);
	});
});

describe('sessions and CSRF', () => {
	it('refuses a cross-origin form post and one without an Origin', async () => {
		expect((await login(server, 'https://evil.example')).status).toBe(403);
		const r = await fetch(`${server.url}/login`, {
			method: 'POST',
			headers: { 'content-type': 'application/x-www-form-urlencoded' },
			body: 'email=a&password=b'
		});
		expect(r.status).toBe(403);
	});

	it('gives a new session on every sign-in and never adopts a planted one', async () => {
		const first = sessionOf(await login(server));
		const second = sessionOf(await login(server, server.env.ORIGIN, first));
		expect(first).toMatch(/^pingyi-session=\w+\.\w+$/);
		expect(second).not.toBe(first);
		// The first session was replaced by the sign-in that carried it.
		const old = await fetch(`${server.url}/admin`, {
			headers: { cookie: first },
			redirect: 'manual'
		});
		expect(old.status).toBe(303);
		const planted = await fetch(`${server.url}/admin`, {
			headers: { cookie: 'pingyi-session=abc.def' },
			redirect: 'manual'
		});
		expect(planted.status).toBe(303);
	});

	it('signs out every other session when the password changes', async () => {
		const other = sessionOf(await login(server));
		const mine = sessionOf(await login(server));
		const change = await fetch(`${server.url}/account/password`, {
			method: 'POST',
			headers: {
				'content-type': 'application/x-www-form-urlencoded',
				accept: 'text/html',
				origin: server.env.ORIGIN,
				cookie: mine
			},
			body: new URLSearchParams({
				current: ADMIN_PASSWORD,
				next: 'a-new-password-456',
				confirm: 'a-new-password-456'
			}),
			redirect: 'manual'
		});
		expect(change.status).toBe(200);
		expect(
			(await fetch(`${server.url}/admin`, { headers: { cookie: other }, redirect: 'manual' }))
				.status
		).toBe(303);
		expect(
			(await fetch(`${server.url}/admin`, { headers: { cookie: mine }, redirect: 'manual' })).status
		).toBe(200);
		// Put it back for the other tests.
		await fetch(`${server.url}/account/password`, {
			method: 'POST',
			headers: {
				'content-type': 'application/x-www-form-urlencoded',
				accept: 'text/html',
				origin: server.env.ORIGIN,
				cookie: mine
			},
			body: new URLSearchParams({
				current: 'a-new-password-456',
				next: ADMIN_PASSWORD,
				confirm: ADMIN_PASSWORD
			})
		});
	});

	it('keeps passwords and tokens out of the logs', async () => {
		const token = await apiToken(server);
		await fetch(`${server.url}/api/v1/cycles`, { headers: { authorization: `Bearer ${token}` } });
		const out = server.output();
		expect(out).not.toContain(ADMIN_PASSWORD);
		expect(out).not.toContain(token.split('.')[1]);
		expect(out).toContain('"requestId"');
	});
});
