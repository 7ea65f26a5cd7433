import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
	ADMIN_EMAIL,
	ADMIN_PASSWORD,
	apiToken,
	startTestServer,
	type TestServer
} from '../helpers/app-server';
import {
	askers,
	discoverRoutes,
	routeTable,
	type Asker,
	type DiscoveredRoute,
	type Expect,
	type MatrixContext,
	type RequestSpec
} from '../helpers/route-table';
import { apiCall, expectNoStackTrace, get, postForm, signIn } from '../fixtures/http';
import { sampleCycleDocument, tinyCycleDocument } from '../fixtures/cycle';

// Every page, form action and endpoint method under src/routes, found by walking the tree.
const discovered = await discoverRoutes(path.resolve(import.meta.dirname, '../../src/routes'));

let server: TestServer;
const creds: Record<
	Asker,
	{ bearer?: string; cookie?: string; login?: { email: string; password: string } }
> = {
	anonymous: {},
	viewer: {},
	reviewer: {},
	unit_liaison: {},
	admin: {},
	revoked: {}
};
let counter = 0;
const ctx: MatrixContext = {
	cycleId: 0,
	closableCycleId: 0,
	userId: 0,
	deletableUserId: 0,
	tokenAccount: { email: 'token-account@test.local', password: 'token-account-pw-1' },
	draftSlug: 'matrix-residents-2025',
	surveys: {
		consolePublish: 'matrix-console-publish',
		consoleClose: 'matrix-console-close',
		apiPublish: 'matrix-api-publish',
		apiClose: 'matrix-api-close',
		apiPatch: 'matrix-api-patch'
	},
	rosterSlug: 'matrix-deputies-2025',
	snapshotIds: [0, 0],
	unique: () => `x${++counter}`
};

beforeAll(async () => {
	// Every sign-in below comes from 127.0.0.1; the default 20 attempts per address would run out.
	server = await startTestServer({ LOGIN_MAX_ATTEMPTS: '100' });
	const adminToken = await apiToken(server);
	const call = (method: string, p: string, json?: unknown) =>
		apiCall(server, method, p, { token: adminToken, json });

	const doc = sampleCycleDocument(2025, 'matrix');
	doc.categories!.push({ code: 'spare', name: '备用类别', weights: { residents: 1 } });
	doc.groups!.push({ code: 'spare_group', label: '备用群体', identity: 'link' });
	for (const slug of Object.values(ctx.surveys)) {
		doc.surveys!.push({ slug, title: slug, groups: ['residents'] });
	}
	const main = await call('POST', '/api/v1/cycles/import', doc);
	expect(main.status, main.text).toBe(201);
	ctx.cycleId = Number(main.body.cycleId);
	const closable = await call('POST', '/api/v1/cycles/import', tinyCycleDocument(2024, '可关闭'));
	expect(closable.status, closable.text).toBe(201);
	ctx.closableCycleId = Number(closable.body.cycleId);
	// Snapshots for the rules that publish one (left 0, and those rules fail, if this fails).
	for (const i of [0, 1] as const) {
		const snap = await call('POST', `/api/v1/cycles/${ctx.cycleId}/snapshots`, {});
		if (snap.status === 201) ctx.snapshotIds[i] = Number(snap.body.id);
	}

	const users: Record<string, { email: string; password: string; role: string; id?: number }> = {
		viewer: { email: 'viewer@test.local', password: 'viewer-password-1', role: 'viewer' },
		reviewer: { email: 'reviewer@test.local', password: 'reviewer-password-1', role: 'reviewer' },
		unit_liaison: {
			email: 'liaison@test.local',
			password: 'liaison-password-1',
			role: 'unit_liaison'
		},
		revokee: { email: 'revokee@test.local', password: 'revokee-password-1', role: 'viewer' },
		target: { email: 'target@test.local', password: 'target-password-1', role: 'viewer' },
		deletable: { email: 'deletable@test.local', password: 'deletable-password-1', role: 'viewer' },
		tokens: { ...ctx.tokenAccount, role: 'viewer' }
	};
	for (const [key, u] of Object.entries(users)) {
		const r = await call('POST', '/api/v1/users', {
			email: u.email,
			name: key,
			role: u.role,
			password: u.password,
			...(u.role === 'unit_liaison' ? { unitCode: 'TW01' } : {})
		});
		expect(r.status, r.text).toBe(201);
		u.id = Number(r.body.id);
	}
	ctx.userId = users.target.id!;
	ctx.deletableUserId = users.deletable.id!;

	for (const who of ['viewer', 'reviewer', 'unit_liaison'] as const) {
		creds[who].login = users[who];
		creds[who].bearer = await apiToken(server, users[who].email, users[who].password);
		creds[who].cookie = await signIn(server, users[who].email, users[who].password);
	}
	creds.admin.login = { email: ADMIN_EMAIL, password: ADMIN_PASSWORD };
	creds.admin.bearer = adminToken;
	creds.admin.cookie = await signIn(server, ADMIN_EMAIL, ADMIN_PASSWORD);

	// A token that worked, then was revoked in the console.
	const issued = await apiCall(server, 'POST', '/api/v1/auth/tokens', {
		json: { email: users.revokee.email, password: users.revokee.password, name: 'to-revoke' }
	});
	expect(issued.status).toBe(201);
	const revokedToken = String(issued.body.token);
	expect((await apiCall(server, 'GET', '/api/v1/cycles', { token: revokedToken })).status).toBe(
		200
	);
	const revoke = await postForm(
		server,
		'/account/tokens?/revoke',
		{ id: String(issued.body.id) },
		{ cookie: creds.admin.cookie, enhanced: true }
	);
	expect(await revoke.json()).toMatchObject({ type: 'success' });
	creds.revoked.bearer = revokedToken;
	// A session that worked, then was signed out.
	const cookie = await signIn(server, users.revokee.email, users.revokee.password);
	expect((await get(server, '/admin', { cookie })).status).toBe(200);
	const out = await postForm(server, '/logout', {}, { cookie });
	expect(out.status).toBe(303);
	creds.revoked.cookie = cookie;
});

afterAll(async () => {
	await server?.stop();
});

function urlOf(route: DiscoveredRoute, spec: RequestSpec): string {
	const defaults: Record<string, string> = {
		id: String(ctx.cycleId),
		file: 'units.csv',
		slug: ctx.draftSlug,
		unit: 'TW01'
	};
	const p = route.pattern.replace(/\[(\w+)\]/g, (_, name: string) => {
		const v = spec.params?.[name] ?? defaults[name];
		if (v === undefined) throw new Error(`no value for [${name}] in ${route.key}`);
		return encodeURIComponent(v);
	});
	const query = spec.query ? `?${spec.query}` : '';
	if (route.kind !== 'action' || route.action === 'default') return p + query;
	return `${p}?/${route.action}`;
}

/** Sends the route's request as `who` and describes what came back (see route-table.ts). */
async function ask(
	route: DiscoveredRoute,
	who: Asker,
	spec: RequestSpec,
	freshSession = false
): Promise<{ outcome: string; body: string }> {
	const isApi = route.pattern.startsWith('/api/');
	const headers: Record<string, string> = {};
	const { bearer, login } = creds[who];
	let cookie = creds[who].cookie;
	if (freshSession && login) cookie = await signIn(server, login.email, login.password);
	if (isApi && bearer) headers.authorization = `Bearer ${bearer}`;
	if (!isApi && cookie) headers.cookie = cookie;
	let body: string | FormData | undefined;
	if (route.kind === 'action' || spec.form !== undefined || spec.file !== undefined) {
		headers.origin = server.url;
		if (route.kind === 'action') {
			headers.accept = 'application/json';
			headers['x-sveltekit-action'] = 'true';
		}
		if (spec.file) {
			const fd = new FormData();
			for (const [k, v] of Object.entries(spec.form ?? {})) fd.set(k, v);
			fd.set(
				spec.file.field,
				new Blob([spec.file.content], { type: spec.file.type }),
				spec.file.name
			);
			body = fd;
		} else {
			headers['content-type'] = 'application/x-www-form-urlencoded';
			body = new URLSearchParams(spec.form ?? {}).toString();
		}
	} else if (spec.json !== undefined) {
		headers['content-type'] = 'application/json';
		body = JSON.stringify(spec.json);
	} else if (route.kind === 'page') {
		headers.accept = 'text/html';
	}
	const res = await fetch(server.url + urlOf(route, spec), {
		method: route.method,
		headers,
		body,
		redirect: 'manual'
	});
	const text = await res.text();
	const location = res.headers.get('location');
	if (res.status >= 300 && res.status < 400 && location) {
		return { outcome: `→${location}`, body: text };
	}
	if (route.kind === 'action' && res.status === 200) {
		const r = JSON.parse(text) as { type: string; status?: number; location?: string };
		if (r.type === 'redirect') return { outcome: `→${r.location}`, body: text };
		return { outcome: String(r.status ?? res.status), body: text };
	}
	return { outcome: String(res.status), body: text };
}

function matches(expected: Expect, outcome: string): boolean {
	if (typeof expected === 'number') return outcome === String(expected);
	if (expected === '2xx') return /^2\d\d$/.test(outcome);
	if (expected === 'input') {
		const status = Number(outcome);
		return status >= 400 && status < 500 && status !== 401 && status !== 403;
	}
	if (!outcome.startsWith('→')) return false;
	const where = outcome.split('?')[0];
	return expected.endsWith('*') ? where.startsWith(expected.slice(0, -1)) : where === expected;
}

describe('role × route matrix', () => {
	it('has a rule for every page, form action and endpoint method, and no stale rules', () => {
		const keys = discovered.map((r) => r.key);
		expect(keys.length).toBeGreaterThan(40);
		const missing = keys.filter((k) => !(k in routeTable));
		const stale = Object.keys(routeTable).filter((k) => !keys.includes(k));
		expect(missing, 'routes without a rule in tests/helpers/route-table.ts').toEqual([]);
		expect(stale, 'rules for routes that do not exist').toEqual([]);
	});

	// Admins go last, so a refused attempt by someone else is made before the admin's real change.
	const order: Asker[] = ['anonymous', 'revoked', 'viewer', 'reviewer', 'unit_liaison', 'admin'];

	for (const route of discovered) {
		it(route.key, async () => {
			const rule = routeTable[route.key];
			if (!rule) return expect.fail(`no rule for ${route.key}`);
			const problems: string[] = [];
			for (const who of order) {
				const expected = rule.expect[askers.indexOf(who)];
				const spec = rule.request?.(ctx) ?? {};
				const { outcome, body } = await ask(route, who, spec, rule.freshSession);
				if (!matches(expected, outcome)) {
					problems.push(`${who}: expected ${expected}, got ${outcome} ${body.slice(0, 200)}`);
				}
				expectNoStackTrace(body, `${route.key} as ${who}`);
			}
			expect(problems).toEqual([]);
		});
	}
});

describe('refusals outside the enhanced console', () => {
	it('a plain (no-JavaScript) form post by a viewer to an admin action is refused with 403', async () => {
		const adminOnly = discovered.filter(
			(r) => r.kind === 'action' && routeTable[r.key]?.expect[askers.indexOf('viewer')] === 403
		);
		expect(adminOnly.length).toBeGreaterThan(15);
		for (const route of adminOnly) {
			const url = urlOf(route, routeTable[route.key].request?.(ctx) ?? {});
			const res = await postForm(server, url, { code: 'x' }, { cookie: creds.viewer.cookie });
			expect(res.status, route.key).toBe(403);
			expectNoStackTrace(await res.text(), route.key);
		}
	});

	it('an anonymous plain form post is sent to the login page', async () => {
		const res = await postForm(server, `/admin/cycles/${ctx.cycleId}/units?/create`, {
			code: 'X',
			name: 'x',
			category: 'township'
		});
		expect(res.status).toBe(303);
		expect(res.headers.get('location')).toMatch(/^\/login\?next=/);
	});

	it('a revoked or forged bearer token is refused with 401 on pages too', async () => {
		for (const token of [creds.revoked.bearer!, 'pyt_forged.secret', 'garbage']) {
			for (const p of ['/admin', '/api/v1/cycles', `/admin/cycles/${ctx.cycleId}`]) {
				const res = await get(server, p, { authorization: `Bearer ${token}` });
				expect(res.status, `${p} ${token}`).toBe(401);
				expect(res.headers.get('content-type')).toContain('application/problem+json');
			}
		}
	});

	it('a unit liaison reads no cycle data through the API, whatever the cycle', async () => {
		for (const p of [
			'/api/v1/cycles',
			`/api/v1/cycles/${ctx.cycleId}`,
			`/api/v1/cycles/${ctx.cycleId}/units`,
			`/api/v1/cycles/${ctx.cycleId}/export`,
			`/api/v1/cycles/${ctx.closableCycleId}/areas`,
			'/api/v1/users'
		]) {
			const r = await apiCall(server, 'GET', p, { token: creds.unit_liaison.bearer });
			expect(r.status, p).toBe(403);
			expect(r.text).not.toContain('河口镇');
		}
	});
});
