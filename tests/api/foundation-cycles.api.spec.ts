import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiToken, startTestServer, type TestServer } from '../helpers/app-server';
import { apiCall, expectNoStackTrace, postForm, signIn } from '../fixtures/http';
import { brokenCycleDocument, sampleCycleDocument, tinyCycleDocument } from '../fixtures/cycle';
import { cycleDocumentSchema } from '$lib/schemas/cycle-document';
import { ADMIN_EMAIL, ADMIN_PASSWORD } from '../helpers/app-server';

let server: TestServer;
let token: string;
/** Every error answer seen in this file, checked at the end for leaks. */
const errorBodies: string[] = [];

type Call = Awaited<ReturnType<typeof apiCall>>;
async function call(
	method: string,
	p: string,
	options: Parameters<typeof apiCall>[3] = {}
): Promise<Call> {
	const r = await apiCall(server, method, p, { token, ...options });
	if (r.status >= 400) errorBodies.push(r.text);
	return r;
}

/** The document as the API returns it: schema defaults filled in, dates as ISO strings. */
const normalised = (doc: unknown): unknown =>
	JSON.parse(JSON.stringify(cycleDocumentSchema.parse(doc)));

async function cycleCount(): Promise<number> {
	const r = await call('GET', '/api/v1/cycles');
	return (r.body.items as unknown[]).length;
}

function expectProblem(r: Call, status: number) {
	expect(r.status, r.text).toBe(status);
	expect(r.headers.get('content-type')).toContain('application/problem+json');
	expect(r.body).toMatchObject({ status, type: expect.any(String), title: expect.any(String) });
	expect(typeof r.body.detail).toBe('string');
}

beforeAll(async () => {
	server = await startTestServer();
	token = await apiToken(server);
});
afterAll(async () => {
	await server?.stop();
});

describe('POST /api/v1/cycles/import and GET /api/v1/cycles/{id}/export (DESIGN.md §12)', () => {
	it('creates the cycle: 201 {cycleId}; the export returns the same document', async () => {
		const doc = sampleCycleDocument(2025, 'http');
		const r = await call('POST', '/api/v1/cycles/import', { json: doc });
		expect(r.status, r.text).toBe(201);
		expect(Object.keys(r.body)).toEqual(['cycleId']);
		expect(Number.isInteger(r.body.cycleId)).toBe(true);

		const exported = await call('GET', `/api/v1/cycles/${r.body.cycleId}/export`);
		expect(exported.status).toBe(200);
		expect(exported.headers.get('content-type')).toContain('application/json');
		expect(exported.body).toEqual(normalised(doc));

		const c = await call('GET', `/api/v1/cycles/${r.body.cycleId}`);
		expect(c.body).toMatchObject({ name: doc.cycle.name, year: 2025, status: 'draft' });
	});

	it('copies last year by export → edit → import', async () => {
		const first = await call('POST', '/api/v1/cycles/import', {
			json: sampleCycleDocument(2026, 'y')
		});
		const exported = (await call('GET', `/api/v1/cycles/${first.body.cycleId}/export`)).body as {
			cycle: { name: string; year: number };
			surveys: { slug: string }[];
		};
		const next = {
			...exported,
			cycle: { ...exported.cycle, name: '下一年度', year: 2027 },
			surveys: exported.surveys.map((s) => ({ ...s, slug: s.slug.replace('2026', '2027') }))
		};
		const second = await call('POST', '/api/v1/cycles/import', { json: next });
		expect(second.status, second.text).toBe(201);
		const again = await call('GET', `/api/v1/cycles/${second.body.cycleId}/export`);
		expect(again.body).toEqual(next);
	});

	it('answers 400 problem+json listing every problem, and creates nothing', async () => {
		const before = await cycleCount();
		const { doc, expectedProblems } = brokenCycleDocument();
		const r = await call('POST', '/api/v1/cycles/import', { json: doc });
		expectProblem(r, 400);
		const errors = r.body.errors as { path: string; message: string }[];
		expect(Array.isArray(errors)).toBe(true);
		for (const e of errors) expect(Object.keys(e).sort()).toEqual(['message', 'path']);
		for (const p of expectedProblems) expect(errors).toContainEqual(p);
		expect(await cycleCount()).toBe(before);
	});

	it('reports missing fields by path, with codes rather than prose', async () => {
		const r = await call('POST', '/api/v1/cycles/import', {
			json: {
				cycle: { year: 2025 },
				categories: [{ code: 'c', weights: { residents: 1 } }],
				units: [{ name: '无编码', category: 'c' }]
			}
		});
		expectProblem(r, 400);
		expect(r.body.errors).toEqual(
			expect.arrayContaining([
				{ path: 'cycle.name', message: 'required' },
				{ path: 'categories.0.name', message: 'required' },
				{ path: 'units.0.code', message: 'required' }
			])
		);
		const missingCycle = await call('POST', '/api/v1/cycles/import', { json: {} });
		expectProblem(missingCycle, 400);
		expect(missingCycle.body.errors).toContainEqual(expect.objectContaining({ path: 'cycle' }));
	});

	it('is all-or-nothing when the database refuses part of a valid document (409)', async () => {
		await call('POST', '/api/v1/cycles/import', { json: sampleCycleDocument(2028, 'clash') });
		const before = await cycleCount();
		const doc = sampleCycleDocument(2029, 'fresh');
		doc.surveys![1].slug = 'clash-deputies-2028';
		const r = await call('POST', '/api/v1/cycles/import', { json: doc });
		expectProblem(r, 409);
		expect(await cycleCount()).toBe(before);
		const list = (await call('GET', '/api/v1/cycles')).body.items as { name: string }[];
		expect(list.map((c) => c.name)).not.toContain(doc.cycle.name);
	});

	it('answers 404 problem+json for a cycle that does not exist', async () => {
		for (const id of ['999999', '0', '-1', 'abc', '1e3', '9007199254740993']) {
			expectProblem(await call('GET', `/api/v1/cycles/${id}/export`), 404);
		}
	});
});

describe('bad input never yields a 500 (DESIGN.md §9)', () => {
	it('wrong content type → 415', async () => {
		const body = JSON.stringify(tinyCycleDocument());
		for (const type of ['application/xml', 'text/csv', 'application/octet-stream', 'image/png']) {
			expectProblem(await call('POST', '/api/v1/cycles/import', { raw: body, type }), 415);
		}
		// No content type at all (bytes, so fetch adds none).
		expectProblem(
			await call('POST', '/api/v1/cycles', { raw: new TextEncoder().encode('{}') }),
			415
		);
		// A same-origin text/plain post reaches the handler and is refused as the wrong type.
		expectProblem(
			await call('POST', '/api/v1/cycles', {
				raw: '{"name":"x","year":2025}',
				type: 'text/plain',
				headers: { origin: server.url }
			}),
			415
		);
		// An integration without an Origin header is no browser: it gets 415 too...
		expectProblem(await call('POST', '/api/v1/cycles', { raw: '{}', type: 'text/plain' }), 415);
		// ... but a form-like post from another site is a CSRF attempt, refused before the handler.
		const csrf = await call('POST', '/api/v1/cycles', {
			raw: '{"name":"x","year":2025}',
			type: 'text/plain',
			headers: { origin: 'http://evil.example' }
		});
		expectProblem(csrf, 403);
	});

	it('a body over the endpoint’s limit → 413, declared or streamed, small and large limits', async () => {
		const big = JSON.stringify({ name: 'x'.repeat(1024 * 1024), year: 2025 });
		expectProblem(await call('POST', '/api/v1/cycles', { json: JSON.parse(big) }), 413);
		// The import takes up to 5 MB, the bulk endpoints 2 MB.
		const doc = { ...tinyCycleDocument(), padding: 'x'.repeat(6 * 1024 * 1024) };
		expectProblem(await call('POST', '/api/v1/cycles/import', { json: doc }), 413);
		expectProblem(
			await call('POST', `/api/v1/cycles/1/units`, {
				json: { items: [], pad: 'y'.repeat(2_200_000) }
			}),
			413
		);
		// Streamed (chunked, no Content-Length): the limit is enforced while reading.
		const bytes = new TextEncoder().encode(JSON.stringify(doc));
		const stream = new ReadableStream<Uint8Array>({
			start(controller) {
				for (let i = 0; i < bytes.length; i += 64 * 1024) {
					controller.enqueue(bytes.slice(i, i + 64 * 1024));
				}
				controller.close();
			}
		});
		const res = await fetch(`${server.url}/api/v1/cycles/import`, {
			method: 'POST',
			headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
			body: stream,
			duplex: 'half'
		} as RequestInit);
		const text = await res.text();
		errorBodies.push(text);
		expect(res.status, text).toBe(413);
		expect(res.headers.get('content-type')).toContain('application/problem+json');
		expect(await cycleCount()).toBeGreaterThan(0);
	});

	it('malformed JSON → 400 with the body named as the problem', async () => {
		for (const raw of ['{', '{"name": "x",}', 'nul', "{'name':'x'}", '', '{"a":1}{"b":2}']) {
			const r = await call('POST', '/api/v1/cycles/import', { raw, type: 'application/json' });
			expectProblem(r, 400);
			expect(r.body.errors, raw).toEqual([{ path: '(body)', message: 'malformed_json' }]);
		}
	});

	it('valid JSON of the wrong shape → 400 listing fields', async () => {
		for (const json of [null, 42, 'text', [], [tinyCycleDocument()], { cycle: 'nope' }]) {
			const r = await call('POST', '/api/v1/cycles/import', { json });
			expectProblem(r, 400);
			expect((r.body.errors as unknown[]).length).toBeGreaterThan(0);
		}
		const r = await call('POST', '/api/v1/cycles', { json: { name: 'x', year: 'soon' } });
		expectProblem(r, 400);
		expect(r.body.errors).toContainEqual(expect.objectContaining({ path: 'year' }));
	});

	it('invalid UTF-8 → 400 (not silently replaced)', async () => {
		const prefix = new TextEncoder().encode('{"name":"');
		const suffix = new TextEncoder().encode('","year":2025}');
		for (const bad of [[0xff], [0xc3, 0x28], [0xe2, 0x82], [0xed, 0xa0, 0x80]]) {
			const raw = new Uint8Array([...prefix, ...bad, ...suffix]);
			const r = await call('POST', '/api/v1/cycles', {
				raw,
				type: 'application/json; charset=utf-8'
			});
			expectProblem(r, 400);
			expect(r.body.errors).toEqual([{ path: '(body)', message: 'invalid_utf8' }]);
		}
	});

	it('__proto__ and constructor keys are harmless', async () => {
		const users = async () =>
			((await call('GET', '/api/v1/users')).body.items as { email: string }[]).map((u) => u.email);
		// A "__proto__" key is refused outright, wherever it is, and nothing is created.
		for (const [p, raw] of [
			[
				'/api/v1/users',
				'{"email":"proto1@test.local","name":"p","role":"viewer","__proto__":{"role":"admin"}}'
			],
			[
				'/api/v1/cycles/import',
				'{"cycle":{"name":"原型","year":2025},"groups":[{"code":"residents","label":"群众"}],"categories":[{"code":"c","name":"类","weights":{"__proto__":1}}]}'
			],
			['/api/v1/cycles/import', '{"__proto__":{"cycle":{"name":"继承","year":2025}}}']
		]) {
			const r = await call('POST', p, { raw, type: 'application/json' });
			expectProblem(r, 400);
			expect(r.body.errors).toEqual([{ path: '(body)', message: 'forbidden_key' }]);
		}
		expect(await users()).not.toContain('proto1@test.local');

		// "constructor"/"prototype" keys are plain data: ignored by the schema, never inherited.
		const viewer = await call('POST', '/api/v1/users', {
			raw: '{"email":"proto2@test.local","name":"p","role":"viewer","password":"proto-password-1","constructor":{"prototype":{"role":"admin","isAdmin":true}}}',
			type: 'application/json'
		});
		expect(viewer.status, viewer.text).toBe(201);
		expect((await call('GET', `/api/v1/users/${viewer.body.id}`)).body.role).toBe('viewer');
		const viewerToken = await apiToken(server, 'proto2@test.local', 'proto-password-1');
		const denied = await apiCall(server, 'GET', '/api/v1/users', { token: viewerToken });
		expect(denied.status).toBe(403);
		const noRole = await call('POST', '/api/v1/users', {
			raw: '{"email":"proto3@test.local","name":"p","constructor":{"prototype":{"role":"admin"}}}',
			type: 'application/json'
		});
		expectProblem(noRole, 400);
		expect(noRole.body.errors).toContainEqual(expect.objectContaining({ path: 'role' }));

		// The server is unharmed: objects have no inherited extras and requests still work.
		const list = await call('GET', '/api/v1/cycles');
		expect(list.status).toBe(200);
		expect(list.text).not.toContain('isAdmin');
		const created = await call('POST', '/api/v1/cycles', { json: { name: '之后', year: 2025 } });
		expect(created.status).toBe(201);
		expect(Object.keys(created.body)).not.toContain('role');
		expect(Object.keys(created.body)).not.toContain('isAdmin');
	});

	it('hostile strings are stored as text, not interpreted', async () => {
		const name = `'; drop table cycles; -- <script>alert(1)</script> \u0000`.replace('\u0000', '');
		const r = await call('POST', '/api/v1/cycles', { json: { name, year: 2025 } });
		expect(r.status, r.text).toBe(201);
		expect((await call('GET', `/api/v1/cycles/${r.body.id}`)).body.name).toBe(name.trim());
	});

	it('a NUL character (which PostgreSQL cannot store) → 400, in values and in keys', async () => {
		const before = await cycleCount();
		for (const json of [
			{ name: 'a\u0000b', year: 2025 },
			{ name: 'ok', year: 2025, config: { 'x\u0000': 1 } },
			{ ...tinyCycleDocument(), units: [{ code: 'U1', name: '\u0000', category: 'township' }] }
		]) {
			const p = 'cycle' in json ? '/api/v1/cycles/import' : '/api/v1/cycles';
			const r = await call('POST', p, { json });
			expectProblem(r, 400);
			expect(r.body.errors).toEqual([{ path: '(body)', message: 'nul_not_allowed' }]);
		}
		expect(await cycleCount()).toBe(before);
	});
});

describe('spreadsheet import through the console', () => {
	it('reports row errors by line and imports nothing; a good file then imports', async () => {
		const created = await call('POST', '/api/v1/cycles/import', { json: tinyCycleDocument(2030) });
		const id = Number(created.body.cycleId);
		const cookie = await signIn(server, ADMIN_EMAIL, ADMIN_PASSWORD);
		const upload = async (content: string) => {
			const fd = new FormData();
			fd.set('file', new Blob([content], { type: 'text/csv' }), 'units.csv');
			const res = await fetch(`${server.url}/admin/cycles/${id}/units?/import`, {
				method: 'POST',
				headers: {
					cookie,
					origin: server.url,
					accept: 'application/json',
					'x-sveltekit-action': 'true'
				},
				body: fd
			});
			return {
				status: res.status,
				body: (await res.json()) as { type: string; status: number; data: string }
			};
		};
		const bad = await upload(
			'编码,名称,类别\r\nU1,一,township\r\nU1,一又,township\r\nU3,三,ghost\r\n'
		);
		expect(bad.body).toMatchObject({ type: 'failure', status: 400 });
		expect(bad.body.data).toContain('duplicate_code');
		expect(bad.body.data).toContain('unknown_category');
		const units = await call('GET', `/api/v1/cycles/${id}/units`);
		expect((units.body.items as { code: string }[]).map((u) => u.code)).toEqual(['TW01']);

		const good = await upload('编码,名称,类别\r\nU1,一,township\r\nU2,二,township\r\n');
		expect(good.body).toMatchObject({ type: 'success', status: 200 });
		const after = await call('GET', `/api/v1/cycles/${id}/units`);
		expect((after.body.items as { code: string }[]).map((u) => u.code)).toEqual([
			'TW01',
			'U1',
			'U2'
		]);

		const empty = await upload('');
		expect(empty.body).toMatchObject({ type: 'failure', status: 400 });
	});

	it('an enhanced form post by a viewer is refused with 403 and changes nothing', async () => {
		await call('POST', '/api/v1/users', {
			json: { email: 'v@test.local', name: 'v', role: 'viewer', password: 'viewer-password-1' }
		});
		const cookie = await signIn(server, 'v@test.local', 'viewer-password-1');
		const before = await cycleCount();
		const res = await postForm(
			server,
			'/admin/cycles?/create',
			{ name: '偷偷', year: '2025' },
			{
				cookie,
				enhanced: true
			}
		);
		expect(res.status).toBe(403);
		const body = (await res.json()) as { type: string; error: { message: string } };
		expect(body).toMatchObject({ type: 'error', error: { message: 'forbidden' } });
		expect(await cycleCount()).toBe(before);
	});
});

describe('bad input to the console never yields a 500', () => {
	let cookie: string;
	beforeAll(async () => {
		cookie = await signIn(server, ADMIN_EMAIL, ADMIN_PASSWORD);
	});
	const post = async (p: string, body: string, type: string) => {
		const res = await fetch(server.url + p, {
			method: 'POST',
			headers: { cookie, origin: server.url, accept: 'text/html', 'content-type': type },
			body,
			redirect: 'manual'
		});
		const text = await res.text();
		errorBodies.push(text);
		return { status: res.status, text };
	};

	it('a form post that is not form data: text/plain → 415, broken multipart → 400', async () => {
		const before = await cycleCount();
		expect((await post('/admin/cycles?/create', 'name=x&year=2025', 'text/plain')).status).toBe(
			415
		);
		expect((await post('/login', 'email=a', 'text/plain;charset=UTF-8')).status).toBe(415);
		for (const type of ['multipart/form-data; boundary=abc', 'multipart/form-data']) {
			expect((await post('/admin/cycles?/create', 'garbage', type)).status, type).toBe(400);
		}
		expect((await post('/admin/cycles?/create', '{"name":"x"}', 'application/json')).status).toBe(
			415
		);
		expect(await cycleCount()).toBe(before);
	});

	it('NUL characters in a form field, a URL or a cookie → 4xx, never 500', async () => {
		const form = 'application/x-www-form-urlencoded';
		expect((await post('/admin/cycles?/create', 'name=a%00b&year=2025', form)).status).toBe(400);
		expect((await post('/login', 'email=a%00b%40x.y&password=pw', form)).status).toBe(400);
		const fd = new FormData();
		fd.set('name', 'a\u0000b');
		fd.set('year', '2025');
		const multipart = await fetch(`${server.url}/admin/cycles?/create`, {
			method: 'POST',
			headers: { cookie, origin: server.url, accept: 'text/html' },
			body: fd,
			redirect: 'manual'
		});
		expect(multipart.status).toBe(400);
		for (const p of [
			'/admin/audit?actor=a%00b',
			'/s/a%00b',
			'/api/v1/public/surveys/a%00b',
			'/lang?to=en&next=/a%00',
			`/admin/cycles/a%00/units`
		]) {
			const res = await fetch(server.url + p, { headers: { cookie }, redirect: 'manual' });
			const text = await res.text();
			errorBodies.push(text);
			expect(res.status, p).toBe(400);
		}
		const res = await fetch(`${server.url}/admin`, {
			headers: { cookie: 'pingyi-session=a%00b.c%00d' },
			redirect: 'manual'
		});
		expect(res.status).toBe(303);
		expect(res.headers.get('location')).toMatch(/^\/login/);
	});
});

describe('error bodies', () => {
	it('never carry a stack trace or internal detail', () => {
		expect(errorBodies.length).toBeGreaterThan(20);
		for (const b of errorBodies) expectNoStackTrace(b, b.slice(0, 200));
		expect(server.output()).not.toContain('unhandled');
	});
});
