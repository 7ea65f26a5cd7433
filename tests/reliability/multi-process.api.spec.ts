import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
	ADMIN_EMAIL,
	ADMIN_PASSWORD,
	apiClient,
	apiToken,
	startTestServer,
	type TestServer
} from '../helpers/app-server';
import { surveyCycleDocument } from '../helpers/respondent';
import { bodiesFor, TEST_APP_SECRET } from '../helpers/submissions';

/**
 * The scale-out path (DESIGN.md §3): two app processes on one PostgreSQL behind a round-robin
 * proxy. Single-use tokens, sessions and rate limits live in the database, so either process may
 * answer any request.
 */
const pg = !!process.env.TEST_DATABASE_URL;
let a: TestServer;
let b: TestServer;
let proxy: http.Server;
let proxyUrl = '';
const units = Array.from({ length: 30 }, (_, i) => `U${String(i + 1).padStart(2, '0')}`);

beforeAll(async () => {
	if (!pg) return;
	a = await startTestServer({ APP_SECRET: TEST_APP_SECRET });
	b = await startTestServer({ APP_SECRET: TEST_APP_SECRET, DATABASE_URL: a.env.DATABASE_URL });
	let turn = 0;
	proxy = http.createServer(async (req, res) => {
		const target = turn++ % 2 === 0 ? a : b;
		const chunks: Buffer[] = [];
		for await (const c of req) chunks.push(c as Buffer);
		const headers = Object.fromEntries(
			Object.entries(req.headers).filter(
				([k]) => !['host', 'connection', 'content-length'].includes(k)
			)
		) as Record<string, string>;
		if (headers.origin) headers.origin = target.url;
		const r = await fetch(target.url + req.url, {
			method: req.method,
			headers,
			body: chunks.length ? Buffer.concat(chunks) : undefined,
			redirect: 'manual'
		});
		const out: Record<string, string | string[]> = { 'x-served-by': target === a ? 'a' : 'b' };
		r.headers.forEach((v, k) => {
			if (k !== 'set-cookie' && k !== 'content-encoding' && k !== 'content-length') out[k] = v;
		});
		const cookies = r.headers.getSetCookie();
		if (cookies.length) out['set-cookie'] = cookies;
		res.writeHead(r.status, out);
		res.end(Buffer.from(await r.arrayBuffer()));
	});
	await new Promise<void>((r) => proxy.listen(0, '127.0.0.1', r));
	proxyUrl = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`;
	const admin = apiClient(a, await apiToken(a));
	expect((await admin('POST', '/api/v1/cycles/import', surveyCycleDocument('multi'))).status).toBe(
		201
	);
	expect((await admin('POST', '/api/v1/surveys/multi/publish')).status).toBe(200);
}, 120_000);

afterAll(async () => {
	proxy?.close();
	await b?.stop('SIGKILL');
	await a?.stop();
});

describe.runIf(pg)('two app processes on one PostgreSQL', () => {
	it('take submissions alternately, and a start token spent on one is refused by the other', async () => {
		const bodies = bodiesFor(1, units, 20);
		const servedBy = new Set<string>();
		for (const body of bodies) {
			const r = await fetch(`${proxyUrl}/api/v1/public/surveys/multi/responses`, {
				method: 'POST',
				headers: { 'content-type': 'application/json' },
				body
			});
			expect(r.status).toBe(201);
			servedBy.add(r.headers.get('x-served-by') ?? '');
		}
		expect(servedBy).toEqual(new Set(['a', 'b']));
		// The same start token with a new submissionId, sent to each process directly.
		const replay = { ...JSON.parse(bodies[0]), submissionId: randomUUID() };
		for (const server of [a, b]) {
			const r = await fetch(`${server.url}/api/v1/public/surveys/multi/responses`, {
				method: 'POST',
				headers: { 'content-type': 'application/json' },
				body: JSON.stringify(replay)
			});
			expect(r.status).toBe(403);
		}
		// The same submissionId on the other process: same receipt, nothing new.
		const first = await fetch(`${a.url}/api/v1/public/surveys/multi/responses`, {
			method: 'POST',
			headers: { 'content-type': 'application/json' },
			body: bodies[1]
		});
		const second = await fetch(`${b.url}/api/v1/public/surveys/multi/responses`, {
			method: 'POST',
			headers: { 'content-type': 'application/json' },
			body: bodies[1]
		});
		expect(first.status).toBe(200);
		expect(second.status).toBe(200);
		expect((await first.json()).receipt).toBe((await second.json()).receipt);
	});

	it('share sessions: signed in through one, recognised by the other', async () => {
		const login = await fetch(`${a.url}/login`, {
			method: 'POST',
			headers: {
				'content-type': 'application/x-www-form-urlencoded',
				accept: 'text/html',
				origin: a.url
			},
			body: new URLSearchParams({ email: ADMIN_EMAIL, password: ADMIN_PASSWORD }),
			redirect: 'manual'
		});
		expect(login.status).toBe(303);
		const cookie = login.headers
			.getSetCookie()
			.map((c) => c.split(';')[0])
			.join('; ');
		const onB = await fetch(`${b.url}/admin`, { headers: { cookie }, redirect: 'manual' });
		expect(onB.status).toBe(200);
	});

	it('share login rate limits', async () => {
		const attempt = (server: TestServer, password: string) =>
			fetch(`${server.url}/api/v1/auth/tokens`, {
				method: 'POST',
				headers: { 'content-type': 'application/json' },
				body: JSON.stringify({ email: 'limited@test.local', password, name: 'x' })
			});
		const statuses: number[] = [];
		for (let i = 0; i < 6; i++) {
			statuses.push((await attempt(i % 2 ? b : a, 'wrong-password')).status);
		}
		expect(statuses.slice(0, 5)).toEqual([401, 401, 401, 401, 401]);
		expect(statuses[5]).toBe(429);
	});
});

it.runIf(!pg)('needs PostgreSQL (TEST_DATABASE_URL); PGlite is one process by design', () => {
	expect(pg).toBe(false);
});
