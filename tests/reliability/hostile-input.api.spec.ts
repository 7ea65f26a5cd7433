import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiClient, apiToken, startTestServer, type TestServer } from '../helpers/app-server';
import { surveyCycleDocument } from '../helpers/respondent';

/**
 * Hostile input over the public endpoints and the survey form action: random and adversarial JSON,
 * deep nesting, huge strings, prototype-pollution keys, injection strings, wrong methods and
 * content types. Never a 500, never a stack trace, never a stored record.
 */
let server: TestServer;
let admin: ReturnType<typeof apiClient>;
const SLUG = 'hostile';

beforeAll(async () => {
	server = await startTestServer();
	admin = apiClient(server, await apiToken(server));
	expect((await admin('POST', '/api/v1/cycles/import', surveyCycleDocument(SLUG))).status).toBe(
		201
	);
	expect((await admin('POST', `/api/v1/surveys/${SLUG}/publish`)).status).toBe(200);
});
afterAll(async () => {
	await server?.stop();
});

const nasty = fc.constantFrom(
	"'; drop table submissions; --",
	'<script>alert(1)</script>',
	'__proto__',
	'constructor',
	'\u0000',
	'\ud800',
	'𝕏'.repeat(200),
	'x'.repeat(70_000),
	'{"$gt": ""}',
	'../../etc/passwd'
);
const key = fc.oneof(
	fc.string({ maxLength: 12 }),
	nasty,
	fc.constantFrom('ratings', 'group', 'submissionId', 'startToken')
);
const value = fc.letrec((tie) => ({
	v: fc.oneof(
		{ depthSize: 'small' },
		fc.string(),
		nasty,
		fc.integer(),
		fc.double(),
		fc.boolean(),
		fc.constant(null),
		fc.array(tie('v'), { maxLength: 4 }),
		fc.dictionary(key, tie('v'), { maxKeys: 5 })
	)
})).v;

function expectSafe(status: number, text: string) {
	expect(status).toBeLessThan(500);
	expect(text).not.toMatch(/\bat [\w.<>]+ \(.*:\d+:\d+\)/);
	expect(text).not.toContain('node_modules');
}

async function storedCount() {
	const r = await admin('GET', `/api/v1/surveys/${SLUG}/responses?limit=1000`);
	return (r.json.items as unknown[]).length;
}

describe('hostile input', () => {
	it('random JSON bodies to the submit endpoint', async () => {
		await fc.assert(
			fc.asyncProperty(fc.dictionary(key, value, { maxKeys: 8 }), async (body) => {
				const r = await fetch(`${server.url}/api/v1/public/surveys/${SLUG}/responses`, {
					method: 'POST',
					headers: { 'content-type': 'application/json' },
					body: JSON.stringify(body)
				});
				expectSafe(r.status, await r.text());
			}),
			{ numRuns: 60 }
		);
		expect(await storedCount()).toBe(0);
	});

	it('raw bytes, deep nesting, wrong content types and methods', async () => {
		const bodies: (string | Uint8Array<ArrayBuffer>)[] = [
			'['.repeat(5000) + ']'.repeat(5000),
			'{"a":'.repeat(3000) + '1' + '}'.repeat(3000),
			new Uint8Array([0xff, 0xfe, 0xfd, 0x00, 0x7b]),
			'{"ratings": {"__proto__": {"polluted": true}}}',
			'not json at all'
		];
		for (const body of bodies) {
			for (const type of [
				'application/json',
				'text/plain',
				'application/x-www-form-urlencoded',
				'multipart/form-data; boundary=x'
			]) {
				const r = await fetch(`${server.url}/api/v1/public/surveys/${SLUG}/responses`, {
					method: 'POST',
					headers: { 'content-type': type },
					body
				});
				expectSafe(r.status, await r.text());
			}
		}
		for (const method of ['PUT', 'DELETE', 'PATCH']) {
			const r = await fetch(`${server.url}/api/v1/public/surveys/${SLUG}/responses`, { method });
			expectSafe(r.status, await r.text());
			expect(r.status).toBe(405);
		}
		expect(({} as Record<string, unknown>).polluted).toBeUndefined();
		expect(await storedCount()).toBe(0);
	});

	it('random form fields to the survey form action, as a no-JS browser posts them', async () => {
		await fc.assert(
			fc.asyncProperty(
				fc.dictionary(key, fc.oneof(fc.string(), nasty), { maxKeys: 10 }),
				async (fields) => {
					const form = new URLSearchParams();
					for (const [k, v] of Object.entries(fields)) form.append(k, v);
					const r = await fetch(`${server.url}/s/${SLUG}`, {
						method: 'POST',
						headers: {
							'content-type': 'application/x-www-form-urlencoded',
							origin: server.env.ORIGIN,
							accept: 'text/html'
						},
						body: form
					});
					const text = await r.text();
					expectSafe(r.status, text);
					// Anything echoed back onto the page is escaped.
					expect(text).not.toContain('<script>alert(1)</script>');
				}
			),
			{ numRuns: 40 }
		);
		expect(await storedCount()).toBe(0);
	});
});
