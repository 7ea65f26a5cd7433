import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Challenge } from 'altcha-lib';
import {
	ADMIN_EMAIL,
	ADMIN_PASSWORD,
	apiClient,
	apiToken,
	startTestServer,
	type TestServer
} from '../helpers/app-server';
import { surveyCycleDocument, validBody } from '../helpers/respondent';
import { setCookies, signIn } from '../fixtures/http';

/**
 * The public survey page is rendered once per survey, locale and entry link and then answered from
 * that template by server.js (DESIGN.md §8). These tests hold the fast path to the SvelteKit
 * render: same markup and headers, fresh personal values, and it steps aside whenever the answer
 * could differ.
 */
const SLUG = 'template-test';
let server: TestServer;
let admin: ReturnType<typeof apiClient>;
const units = Array.from({ length: 30 }, (_, i) => `U${String(i + 1).padStart(2, '0')}`);

const unescapeAttribute = (s: string) =>
	s
		.replace(/&quot;/g, '"')
		.replace(/&lt;/g, '<')
		.replace(/&gt;/g, '>')
		.replace(/&amp;/g, '&');

async function page(path = `/s/${SLUG}`, headers: Record<string, string> = {}) {
	const res = await fetch(server.url + path, { headers, redirect: 'manual' });
	const html = await res.text();
	const attr = (re: RegExp) => unescapeAttribute(re.exec(html)?.[1] ?? '');
	return {
		res,
		html,
		requestId: res.headers.get('x-request-id') ?? '',
		submissionId: attr(/name="submissionId" value="([^"]*)"/),
		startToken: attr(/name="startToken" value="([^"]*)"/),
		challenge: attr(/data-challenge="([^"]*)"/)
	};
}

/** Whether the server's log line for this request says it was answered from a template. */
async function fromTemplate(requestId: string): Promise<boolean> {
	const deadline = Date.now() + 5_000;
	for (;;) {
		const line = server
			.output()
			.split('\n')
			.find((l) => l.includes(requestId) && l.includes('"msg":"request"'));
		if (line) return line.includes('"template":true');
		// The log is written asynchronously: the line may trail the response.
		if (Date.now() > deadline) throw new Error(`no log line for request ${requestId}`);
		await new Promise((r) => setTimeout(r, 20));
	}
}

/** The markup without its personal values. */
const shape = (html: string) =>
	html.replace(/(name="(?:submissionId|startToken)" value|data-challenge)="[^"]*"/g, '$1=""');

beforeAll(async () => {
	server = await startTestServer();
	admin = apiClient(server, await apiToken(server));
	expect((await admin('POST', '/api/v1/cycles/import', surveyCycleDocument(SLUG))).status).toBe(
		201
	);
	expect((await admin('POST', `/api/v1/surveys/${SLUG}/publish`)).status).toBe(200);
}, 120_000);

afterAll(async () => {
	await server?.stop();
});

describe('the survey page template', () => {
	it('renders once, then answers from the template with fresh personal values', async () => {
		const first = await page();
		const second = await page();
		const third = await page();
		for (const p of [first, second, third]) {
			expect(p.res.status).toBe(200);
			expect(p.html).not.toContain('py-personal');
			expect(p.submissionId).toMatch(/^[0-9a-f-]{36}$/);
			expect(p.startToken).toMatch(/^v1\./);
			expect(JSON.parse(p.challenge)).toHaveProperty('signature');
		}
		expect(await fromTemplate(first.requestId)).toBe(false);
		expect(await fromTemplate(second.requestId)).toBe(true);
		expect(await fromTemplate(third.requestId)).toBe(true);
		expect(new Set([first, second, third].map((p) => p.startToken)).size).toBe(3);
		expect(new Set([first, second, third].map((p) => p.submissionId)).size).toBe(3);
		expect(new Set([first, second, third].map((p) => p.challenge)).size).toBe(3);
		expect(shape(second.html)).toBe(shape(first.html));
	});

	it('sends the same security headers as the SvelteKit render, and nothing cacheable', async () => {
		const first = await page(`/s/${SLUG}?u=U07`);
		const second = await page(`/s/${SLUG}?u=U07`);
		expect(await fromTemplate(second.requestId)).toBe(true);
		for (const name of [
			'content-security-policy',
			'x-frame-options',
			'x-content-type-options',
			'referrer-policy',
			'permissions-policy',
			'content-type',
			'cache-control'
		]) {
			expect(second.res.headers.get(name), name).toBe(first.res.headers.get(name));
			expect(second.res.headers.get(name), name).toBeTruthy();
		}
		expect(second.res.headers.get('cache-control')).toBe('no-store');
		expect(first.res.headers.get('etag')).toBeNull();
		expect(second.res.headers.get('etag')).toBeNull();
		// The unit of a QR link is asked first: a different template than the plain link.
		expect(second.html).toContain('name="unitCode" value="U07"');
	});

	it('gives a device cookie only to a browser without one', async () => {
		await page();
		const fresh = await page();
		expect(await fromTemplate(fresh.requestId)).toBe(true);
		const cookie = setCookies(fresh.res).get('py_d');
		expect(cookie?.value).toMatch(/^[A-Za-z0-9_-]{22}$/);
		expect(cookie?.attributes).toEqual(
			expect.arrayContaining(['HttpOnly', 'SameSite=Lax', 'Path=/'])
		);
		const again = await page(`/s/${SLUG}`, { cookie: `py_d=${cookie!.value}` });
		expect(await fromTemplate(again.requestId)).toBe(true);
		expect(setCookies(again.res).has('py_d')).toBe(false);
	});

	it('keeps one template per locale', async () => {
		const en = { cookie: 'PARAGLIDE_LOCALE=en' };
		await page(`/s/${SLUG}`, en);
		const second = await page(`/s/${SLUG}`, en);
		expect(await fromTemplate(second.requestId)).toBe(true);
		expect(second.html).toContain('<html lang="en"');
		const zh = await page();
		expect(zh.html).toContain('<html lang="zh-CN"');
	});

	it('steps aside for signed-in users, previews and invitation links', async () => {
		await page();
		const session = await signIn(server, ADMIN_EMAIL, ADMIN_PASSWORD);
		const signedIn = await page(`/s/${SLUG}`, { cookie: session });
		expect(signedIn.res.status).toBe(200);
		expect(await fromTemplate(signedIn.requestId)).toBe(false);
		const preview = await page(`/s/${SLUG}?preview=1`, { cookie: session });
		expect(await fromTemplate(preview.requestId)).toBe(false);
		expect(preview.res.headers.get('x-frame-options')).toBe('SAMEORIGIN');
		const nul = await page(`/s/${SLUG}?c=%00`);
		expect(nul.res.status).toBe(400);
		expect(await fromTemplate(nul.requestId)).toBe(false);
		const invited = await page(`/s/${SLUG}?k=ABCDEFGHJK`);
		expect(await fromTemplate(invited.requestId)).toBe(false);
		expect(invited.html).toContain('value="ABCDEFGHJK"');
		// …and the plain page is still answered from its template afterwards.
		expect(await fromTemplate((await page()).requestId)).toBe(true);
	});

	it('accepts a submission with the start token and challenge of a template page', async () => {
		await page();
		const p = await page();
		expect(await fromTemplate(p.requestId)).toBe(true);
		await new Promise((r) => setTimeout(r, 8_300));
		const body = await validBody(
			{ token: p.startToken, challenge: JSON.parse(p.challenge) as Challenge },
			units,
			{ submissionId: p.submissionId }
		);
		const r = await apiClient(server)('POST', `/api/v1/public/surveys/${SLUG}/responses`, body);
		expect(r.status, r.text).toBe(201);
		const stored = await admin('GET', `/api/v1/surveys/${SLUG}/responses?limit=10`);
		const items = stored.json.items as { submissionId: string; reasons: string[] }[];
		// The token and the proof of work bound to it are valid (speed checks may still flag a robot-fast test).
		const reasons = items.find((i) => i.submissionId === p.submissionId)?.reasons;
		expect(reasons).toBeDefined();
		expect(reasons!.filter((c) => /^(token|pow)\./.test(c))).toEqual([]);
	}, 30_000);

	it('shows an edited text at once and a closed survey as closed', async () => {
		await page();
		expect(await fromTemplate((await page()).requestId)).toBe(true);
		const doc = surveyCycleDocument(SLUG).surveys[0];
		const edited = await admin('PATCH', `/api/v1/surveys/${SLUG}`, {
			...doc,
			title: '测试问卷（修订）'
		});
		expect(edited.status, edited.text).toBe(200);
		const after = await page();
		expect(after.html).toContain('测试问卷（修订）');
		expect(await fromTemplate(after.requestId)).toBe(false);
		expect(await fromTemplate((await page()).requestId)).toBe(true);

		expect((await admin('POST', `/api/v1/surveys/${SLUG}/close`)).status).toBe(200);
		const closed = await page();
		expect(closed.res.status).toBe(410);
		expect(await fromTemplate(closed.requestId)).toBe(false);
	});
});
