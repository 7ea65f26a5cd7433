import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import ExcelJS from 'exceljs';
import { openDatabase } from '../../src/lib/server/db/client';
import { createPostgresTestDatabase } from '../../src/lib/server/db/testing';
import { comment } from '../../src/lib/server/db/schema';
import {
	answers,
	createRatingsCycle,
	insertSubmissions,
	scoringTestDocument,
	workedExampleAnswers
} from '../../src/lib/server/testing/ratings-factory';
import { createSnapshot, publishSnapshot } from '../../src/lib/server/scoring/snapshots';
import { apiClient, apiToken, startTestServer, type TestServer } from '../helpers/app-server';
import { expectNoStackTrace, get, signIn } from '../fixtures/http';

/**
 * Feedback and rectification over HTTP: every route of the feature, asked by a liaison of unit
 * zhen1 with unit zhen2's codes and ids, answers 403/404 and shows nothing of zhen2; uploads are
 * checked by content and size; the API moves items through their statuses.
 */

const SECRET_B = '镇2专属整改描述-勿泄露';
const PASSWORD = 'correct-horse-battery';
const PDF = Buffer.from('%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n');

let server: TestServer;
let admin: ReturnType<typeof apiClient>;
let cycleId: number;
let cleanup: () => Promise<void> = async () => {};
const users: Record<string, { token: string; cookie: string; call: ReturnType<typeof apiClient> }> =
	{};
let itemA: number;
let itemB: number;
let fileB: number;
let appealB: number;

const deadline = () => {
	const d = new Date(Date.now() + 8 * 3600_000 + 20 * 86_400_000);
	return d.toISOString().slice(0, 10);
};

beforeAll(async () => {
	let extraEnv: Record<string, string>;
	let handle;
	if (process.env.TEST_DATABASE_URL) {
		const created = await createPostgresTestDatabase(process.env.TEST_DATABASE_URL);
		handle = await openDatabase({ url: created.dbUrl, poolSize: 2 });
		extraEnv = { DATABASE_URL: created.dbUrl };
		cleanup = created.drop;
	} else {
		const dir = mkdtempSync(path.join(tmpdir(), 'pingyi-feedback-'));
		handle = await openDatabase({ pgliteDir: dir });
		extraEnv = { PGLITE_DIR: dir };
		cleanup = async () => rmSync(dir, { recursive: true, force: true });
	}
	const fc = await createRatingsCycle(handle.db, scoringTestDocument('api'));
	cycleId = fc.cycleId;
	await insertSubmissions(handle.db, fc, [
		...workedExampleAnswers('zhen1'),
		...workedExampleAnswers('zhen2'),
		...answers('zhen2', 'residents', 'C', { 0: 10 })
	]);
	await handle.db.insert(comment).values([
		{
			submissionId: 1,
			surveyId: fc.surveyId,
			unitId: fc.unitId.get('zhen1')!,
			body: '镇1窗口不错，我电话13812345678'
		},
		{
			submissionId: 2,
			surveyId: fc.surveyId,
			unitId: fc.unitId.get('zhen2')!,
			body: '镇2的意见只给镇2看'
		}
	]);
	const actor = { id: null, label: 'seed' };
	await publishSnapshot(
		handle.db,
		actor,
		cycleId,
		(await createSnapshot(handle.db, actor, cycleId)).id
	);
	await handle.close();
	server = await startTestServer({ ...extraEnv, EVIDENCE_MAX_BYTES: '8192' });
	admin = apiClient(server, await apiToken(server));
	for (const [name, role, unitCode] of [
		['a', 'unit_liaison', 'zhen1'],
		['b', 'unit_liaison', 'zhen2'],
		['viewer', 'viewer', undefined],
		['reviewer', 'reviewer', undefined],
		['office', 'admin', undefined]
	] as const) {
		const email = `${name}-${Date.now()}@test.local`;
		const r = await admin('POST', '/api/v1/users', {
			email,
			name,
			role,
			unitCode,
			password: PASSWORD
		});
		expect(r.status).toBe(201);
		const token = await apiToken(server, email, PASSWORD);
		users[name] = {
			token,
			cookie: await signIn(server, email, PASSWORD),
			call: apiClient(server, token)
		};
	}
	const body = (description: string) => ({
		typeCode: 'efficiency',
		description,
		owner: '李主任',
		plan: '整改',
		deadline: deadline()
	});
	const a = await users.a.call('POST', '/api/v1/units/zhen1/rectifications', body('镇1的事项'));
	expect(a.status).toBe(201);
	itemA = a.json.id as number;
	const b = await users.b.call('POST', '/api/v1/units/zhen2/rectifications', body(SECRET_B));
	expect(b.status).toBe(201);
	itemB = b.json.id as number;
	const up = await upload(users.b.token, itemB, 'b.pdf', PDF);
	expect(up.status).toBe(201);
	fileB = ((await up.json()) as { id: number }).id;
	const ap = await users.b.call('GET', '/api/v1/units/zhen2/feedback');
	expect(ap.status).toBe(200);
});

afterAll(async () => {
	await server?.stop();
	await cleanup();
});

function upload(
	token: string,
	id: number,
	name: string,
	bytes: Uint8Array,
	type = 'application/pdf'
) {
	const fd = new FormData();
	fd.set('file', new Blob([new Uint8Array(bytes)], { type }), name);
	return fetch(`${server.url}/api/v1/rectifications/${id}/evidence`, {
		method: 'POST',
		headers: { authorization: `Bearer ${token}` },
		body: fd
	});
}

/** A form action the way the enhanced console posts it; returns SvelteKit's status and the body. */
async function action(cookie: string, url: string, form: Record<string, string> | FormData) {
	const isData = form instanceof FormData;
	const res = await fetch(server.url + url, {
		method: 'POST',
		headers: {
			cookie,
			origin: server.url,
			accept: 'application/json',
			'x-sveltekit-action': 'true',
			...(isData ? {} : { 'content-type': 'application/x-www-form-urlencoded' })
		},
		body: isData ? form : new URLSearchParams(form).toString(),
		redirect: 'manual'
	});
	const text = await res.text();
	if (res.status >= 300 && res.status < 400) return { status: res.status, text };
	try {
		const j = JSON.parse(text) as { type: string; status?: number };
		if (j.type === 'failure' || j.type === 'error') return { status: j.status ?? res.status, text };
		if (j.type === 'redirect') return { status: 303, text };
	} catch {
		// not JSON: the HTTP status says it
	}
	return { status: res.status, text };
}

describe('a liaison sees only their own unit', () => {
	it('reads their own portal data with redacted comments only', async () => {
		const r = await users.a.call('GET', '/api/v1/units/zhen1/feedback');
		expect(r.status).toBe(200);
		const p = r.json as unknown as {
			unit: { code: string };
			published: { item: { unit: string; rank: number | null } };
			comments: { text: string }[];
			rectifications: { id: number }[];
			lowItems: { ref: string }[];
		};
		expect(p.unit.code).toBe('zhen1');
		expect(p.published.item.unit).toBe('zhen1');
		expect(p.comments.map((c) => c.text)).toEqual(['镇1窗口不错，我电话[电话]']);
		expect(p.rectifications.map((i) => i.id)).toEqual([itemA]);
		expect(p.lowItems.length).toBeGreaterThan(0);
		expect(r.text).not.toMatch(/zhen2|镇2|13812345678/);
	});

	it('gets 403/404 with nothing leaked on every feedback route of another unit', async () => {
		const a = users.a;
		const checks: { what: string; status: number; text: string }[] = [];
		const note = (what: string, status: number, text: string) =>
			checks.push({ what, status, text });
		// API
		for (const [method, p, body] of [
			['GET', '/api/v1/units/zhen2/feedback', undefined],
			['GET', '/api/v1/units/zhen2/rectifications', undefined],
			[
				'POST',
				'/api/v1/units/zhen2/rectifications',
				{ typeCode: 'other', description: 'x', owner: 'y', deadline: deadline() }
			],
			['GET', `/api/v1/rectifications/${itemB}`, undefined],
			['PATCH', `/api/v1/rectifications/${itemB}`, { status: 'in_progress', note: 'hijack' }],
			['PATCH', `/api/v1/rectifications/${itemB}`, { description: 'hijack' }]
		] as const) {
			const r = await a.call(method, p, body);
			note(`${method} ${p}`, r.status, r.text);
		}
		const up = await upload(a.token, itemB, 'x.pdf', PDF);
		note('POST evidence', up.status, await up.text());
		// Pages and their actions (session cookie).
		for (const p of [
			'/unit?unit=zhen2',
			`/unit?cycle=${cycleId}&unit=zhen2`,
			'/unit/rectifications/new?unit=zhen2&source=comment&ref=2',
			`/unit/rectifications/${itemB}`,
			`/unit/rectifications/${itemB}/evidence/${fileB}`,
			`/unit/rectifications/${itemA}/evidence/${fileB}`
		]) {
			const r = await get(server, p, { cookie: a.cookie });
			note(`GET ${p}`, r.status, await r.text());
		}
		const newItem = await action(a.cookie, '/unit/rectifications/new', {
			unit: 'zhen2',
			typeCode: 'other',
			description: 'x',
			owner: 'y',
			deadline: deadline(),
			source: 'manual'
		});
		note('POST new (unit=zhen2)', newItem.status, newItem.text);
		for (const [name, form] of [
			['update', { description: 'hijack', owner: 'x', plan: '' }],
			['status', { status: 'in_progress' }],
			['note', { note: 'hijack' }],
			['remind', { note: 'x' }],
			['followup', { question: 'x' }]
		] as const) {
			const r = await action(a.cookie, `/unit/rectifications/${itemB}?/${name}`, form);
			note(`POST ?/${name}`, r.status, r.text);
		}
		const fd = new FormData();
		fd.set('file', new Blob([new Uint8Array(PDF)], { type: 'application/pdf' }), 'x.pdf');
		const ev = await action(a.cookie, `/unit/rectifications/${itemB}?/evidence`, fd);
		note('POST ?/evidence', ev.status, ev.text);
		// Office console pages and actions are not for liaisons at all.
		for (const p of [
			`/admin/cycles/${cycleId}/comments`,
			`/admin/cycles/${cycleId}/rectification`,
			`/admin/cycles/${cycleId}/rectification/export`
		]) {
			const r = await get(server, p, { cookie: a.cookie });
			note(`GET ${p}`, r.status, await r.text());
		}
		for (const p of [
			`/admin/cycles/${cycleId}/comments?/moderate`,
			`/admin/cycles/${cycleId}/rectification?/remindOverdue`
		]) {
			const r = await action(a.cookie, p, { id: '2', action: 'show' });
			note(`POST ${p}`, r.status, r.text);
		}

		for (const c of checks) {
			expect([303, 403, 404], c.what).toContain(c.status);
			expect(c.text, c.what).not.toContain(SECRET_B);
			expect(c.text, c.what).not.toContain('镇2的意见');
			expect(c.text, c.what).not.toMatch(/镇2|"zhen2"/);
			expectNoStackTrace(c.text, c.what);
			if (c.status === 303) expect(c.what).toMatch(/\/admin\//);
		}
		// Another unit's id answers exactly like an id that does not exist.
		const missing = await a.call('GET', '/api/v1/rectifications/99999999');
		const other = await a.call('GET', `/api/v1/rectifications/${itemB}`);
		expect(other.status).toBe(404);
		expect(other.text).toBe(missing.text);
		const missingUnit = await a.call('GET', '/api/v1/units/no-such-unit/feedback');
		const otherUnit = await a.call('GET', '/api/v1/units/zhen2/feedback');
		expect(otherUnit.text).toBe(missingUnit.text);

		// And nothing changed on zhen2's item.
		const b = await users.b.call('GET', `/api/v1/rectifications/${itemB}`);
		expect(b.json).toMatchObject({ status: 'open', description: SECRET_B });
		expect((b.json.evidence as unknown[]).length).toBe(1);
		expect((b.json.events as { note: string | null }[]).some((e) => e.note === 'hijack')).toBe(
			false
		);
		const list = await users.b.call('GET', '/api/v1/units/zhen2/rectifications');
		expect((list.json.items as unknown[]).length).toBe(1);
	});

	it('refuses office-only and other roles', async () => {
		for (const who of ['viewer', 'reviewer']) {
			for (const [method, p] of [
				['GET', '/api/v1/units/zhen1/feedback'],
				['GET', '/api/v1/units/zhen1/rectifications'],
				['POST', '/api/v1/units/zhen1/rectifications'],
				['GET', `/api/v1/rectifications/${itemA}`],
				['PATCH', `/api/v1/rectifications/${itemA}`]
			] as const) {
				const r = await users[who].call(method, p, method === 'GET' ? undefined : {});
				expect(r.status, `${who} ${method} ${p}`).toBe(403);
			}
			const up = await upload(users[who].token, itemA, 'x.pdf', PDF);
			expect(up.status).toBe(403);
		}
		const anon = apiClient(server);
		expect((await anon('GET', '/api/v1/units/zhen1/feedback')).status).toBe(401);
		// The office sees any unit, including in the portal.
		expect((await users.office.call('GET', '/api/v1/units/zhen2/feedback')).status).toBe(200);
		const page = await get(server, '/unit?unit=zhen2', { cookie: users.office.cookie });
		expect(page.status).toBe(200);
		expect(await page.text()).toContain(SECRET_B);
	});
});

describe('rectification API', () => {
	it('validates input with clear errors', async () => {
		const r = await users.a.call('POST', '/api/v1/units/zhen1/rectifications', {
			typeCode: 'no_such_type',
			description: '',
			owner: '张三',
			deadline: '2020-01-01'
		});
		expect(r.status).toBe(400);
		expect((r.json.errors as { path: string }[]).map((e) => e.path)).toEqual(['description']);
		const r2 = await users.a.call('POST', '/api/v1/units/zhen1/rectifications', {
			typeCode: 'no_such_type',
			description: '描述',
			owner: '张三',
			deadline: '2020-01-01'
		});
		expect(r2.status).toBe(400);
		expect(r2.json.errors).toEqual([
			{ path: 'typeCode', message: 'unknown_problem_type' },
			{ path: 'deadline', message: 'deadline_in_past' }
		]);
		const r3 = await users.a.call('POST', '/api/v1/units/zhen1/rectifications', {
			typeCode: 'other',
			description: '描述',
			owner: '张三',
			deadline: '2026-02-30'
		});
		expect(r3.status).toBe(400);
		expect(r3.json.errors).toEqual([{ path: 'deadline', message: 'invalid_date' }]);
		const wrongType = await users.a.call('POST', '/api/v1/units/zhen1/rectifications', 'x', {
			'content-type': 'text/plain'
		});
		expect(wrongType.status).toBe(415);
	});

	it('moves an item to done; only the office verifies', async () => {
		const a = users.a;
		expect(
			(await a.call('PATCH', `/api/v1/rectifications/${itemA}`, { status: 'done' })).status
		).toBe(409);
		const started = await a.call('PATCH', `/api/v1/rectifications/${itemA}`, {
			status: 'in_progress',
			note: '已开会部署'
		});
		expect(started.status).toBe(200);
		expect(started.json.status).toBe('in_progress');
		const done = await a.call('PATCH', `/api/v1/rectifications/${itemA}`, { status: 'done' });
		expect(done.json.status).toBe('done');
		const verify = await a.call('PATCH', `/api/v1/rectifications/${itemA}`, { status: 'verified' });
		expect(verify.status).toBe(409);
		expect(verify.json.errors).toEqual([{ path: 'status', message: 'invalid_transition' }]);
		const ok = await users.office.call('PATCH', `/api/v1/rectifications/${itemA}`, {
			status: 'verified'
		});
		expect(ok.status).toBe(200);
		expect(ok.json.status).toBe('verified');
		expect(
			(await users.office.call('PATCH', `/api/v1/rectifications/${itemA}`, { note: 'x' })).status
		).toBe(409);
		expect((await a.call('PATCH', `/api/v1/rectifications/${itemA}`, {})).status).toBe(400);
	});

	it('accepts evidence by content and refuses executables, scripts, oversized and wrong types', async () => {
		const item = await users.a.call('POST', '/api/v1/units/zhen1/rectifications', {
			typeCode: 'other',
			description: '佐证测试',
			owner: '王五',
			deadline: deadline()
		});
		const id = item.json.id as number;
		const ok = await upload(users.a.token, id, '整改报告.pdf', PDF);
		expect(ok.status).toBe(201);
		const stored = (await ok.json()) as { id: number; mime: string; filename: string };
		expect(stored).toMatchObject({ mime: 'application/pdf', filename: '整改报告.pdf' });
		const refused = [
			['setup.exe', Buffer.from('MZ\x90\x00\x03\x00\x00\x00'), 415],
			['run.sh', Buffer.from('#!/bin/sh\nrm -rf /'), 415],
			['page.html', Buffer.from('<html><script>alert(1)</script></html>'), 415],
			['report.pdf.exe', PDF, 415],
			['big.pdf', Buffer.concat([PDF, Buffer.alloc(20_000)]), 413],
			['empty.pdf', Buffer.alloc(0), 400]
		] as const;
		for (const [name, bytes, status] of refused) {
			const r = await upload(users.a.token, id, name, bytes);
			const text = await r.text();
			expect(r.status, name).toBe(status);
			expect(r.headers.get('content-type'), name).toMatch(/problem\+json/);
			expectNoStackTrace(text, name);
		}
		const json = await fetch(`${server.url}/api/v1/rectifications/${id}/evidence`, {
			method: 'POST',
			headers: { authorization: `Bearer ${users.a.token}`, 'content-type': 'application/json' },
			body: '{}'
		});
		expect(json.status).toBe(415);
		const doc = await users.a.call('GET', `/api/v1/rectifications/${id}`);
		expect((doc.json.evidence as unknown[]).length).toBe(1);
		// Download through the portal: same bytes, as an attachment.
		const dl = await get(server, `/unit/rectifications/${id}/evidence/${stored.id}`, {
			cookie: users.a.cookie
		});
		expect(dl.status).toBe(200);
		expect(dl.headers.get('content-disposition')).toMatch(/^attachment;/);
		expect(Buffer.from(await dl.arrayBuffer()).equals(PDF)).toBe(true);
	});

	it('exports the overview as XLSX with safe cells', async () => {
		await users.a.call('POST', '/api/v1/units/zhen1/rectifications', {
			typeCode: 'other',
			description: '=HYPERLINK("http://x","y")',
			owner: '@evil',
			deadline: deadline()
		});
		const r = await get(server, `/admin/cycles/${cycleId}/rectification/export`, {
			cookie: users.viewer.cookie
		});
		expect(r.status).toBe(200);
		const wb = new ExcelJS.Workbook();
		await wb.xlsx.load(await r.arrayBuffer());
		const cells: string[] = [];
		wb.worksheets[0].eachRow((row) =>
			row.eachCell((c) => {
				if (typeof c.value === 'string') cells.push(c.value);
			})
		);
		expect(cells).toContain(`'=HYPERLINK("http://x","y")`);
		expect(cells).toContain(`'@evil`);
		expect(cells.some((c) => /^[=+\-@]/.test(c))).toBe(false);
	});

	it('lets a liaison appeal within the window; the office answers with aggregates', async () => {
		const r = await action(users.b.cookie, '/unit?/appeal', {
			reason: '乙村样本明显偏少，请复核',
			cycle: String(cycleId)
		});
		expect(r.status).toBe(200);
		const again = await action(users.b.cookie, '/unit?/appeal', {
			reason: '乙村样本明显偏少，请复核',
			cycle: String(cycleId)
		});
		expect(again.status).toBe(409);
		const p = await users.b.call('GET', '/api/v1/units/zhen2/feedback');
		const appeals = p.json.appeals as { id: number; status: string }[];
		expect(appeals).toHaveLength(1);
		appealB = appeals[0].id;
		// Liaison A sees none of it.
		const a = await users.a.call('GET', '/api/v1/units/zhen1/feedback');
		expect(a.json.appeals).toEqual([]);
		const page = await get(server, `/admin/cycles/${cycleId}/rectification/appeals/${appealB}`, {
			cookie: users.office.cookie
		});
		expect(page.status).toBe(200);
		const ans = await action(
			users.office.cookie,
			`/admin/cycles/${cycleId}/rectification/appeals/${appealB}?/answer`,
			{ outcome: 'maintained', response: '样本量符合规则，维持原结果' }
		);
		expect(ans.status).toBe(200);
		const after = await users.b.call('GET', '/api/v1/units/zhen2/feedback');
		const answered = (
			after.json.appeals as { status: string; evidence: { groups: unknown[] } }[]
		)[0];
		expect(answered.status).toBe('maintained');
		expect(answered.evidence.groups.length).toBe(3);
		expect(JSON.stringify(answered.evidence)).not.toMatch(/receipt|phone|device|ip_prefix/i);
	});
});
