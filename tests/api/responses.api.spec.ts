import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiClient, apiToken, startTestServer, type TestServer } from '../helpers/app-server';
import {
	fetchStart,
	startPool,
	surveyCycleDocument,
	validBody,
	type Start
} from '../helpers/respondent';

const SLUG = 'resp-test';
let server: TestServer;
let admin: ReturnType<typeof apiClient>;
let pub: ReturnType<typeof apiClient>;
let pool: Start[];
const units = Array.from({ length: 30 }, (_, i) => `U${String(i + 1).padStart(2, '0')}`);
const next = () => {
	const s = pool.shift();
	if (!s) throw new Error('start pool exhausted');
	return s;
};
const post = (body: unknown, headers: Record<string, string> = {}) =>
	pub('POST', `/api/v1/public/surveys/${SLUG}/responses`, body, headers);

async function stored() {
	const r = await admin('GET', `/api/v1/surveys/${SLUG}/responses?limit=1000&include=ratings`);
	expect(r.status).toBe(200);
	return r.json.items as {
		submissionId: string;
		receipt: string;
		ratings: Record<string, string>;
		reasons: string[];
	}[];
}

beforeAll(async () => {
	server = await startTestServer();
	admin = apiClient(server, await apiToken(server));
	pub = apiClient(server);
	const imported = await admin('POST', '/api/v1/cycles/import', surveyCycleDocument(SLUG));
	expect(imported.status).toBe(201);
	expect((await admin('POST', `/api/v1/surveys/${SLUG}/publish`)).status).toBe(200);
	pool = await startPool(server, SLUG, 40);
}, 120_000);

afterAll(async () => {
	await server?.stop();
});

describe('public survey definition', () => {
	it('describes the survey without revealing the attention item’s expected answer', async () => {
		const r = await pub('GET', `/api/v1/public/surveys/${SLUG}`);
		expect(r.status).toBe(200);
		const survey = r.json.survey as { units: unknown[]; questions: { id: string; type: string }[] };
		expect(survey.units).toHaveLength(30);
		expect(survey.questions.find((q) => q.id === 'attention')?.type).toBe('single');
		expect(r.text).not.toContain('expected');
		expect((r.json.start as Start).token).toMatch(/^v1\./);
	});

	it('answers 404 for an unknown survey', async () => {
		expect((await pub('GET', '/api/v1/public/surveys/no-such-survey')).status).toBe(404);
	});
});

describe('submitting', () => {
	it('stores a valid submission with its ratings and returns a receipt', async () => {
		const body = await validBody(next(), units, {
			ratings: {
				...Object.fromEntries(units.map((u) => [u, 'satisfied'])),
				U02: 'dissatisfied',
				U03: 'dont_know'
			}
		});
		const r = await post(body);
		expect(r.status).toBe(201);
		expect(String(r.json.receipt)).toMatch(/^[A-Z2-9]{5}-[A-Z2-9]{5}$/);
		const row = (await stored()).find((s) => s.submissionId === body.submissionId);
		expect(row?.receipt).toBe(r.json.receipt);
		expect(row?.ratings.U01).toBe('satisfied');
		expect(row?.ratings.U02).toBe('dissatisfied');
		expect(row?.ratings.U03).toBe('dont_know');
		expect(Object.keys(row?.ratings ?? {})).toHaveLength(30);
	});

	it('is idempotent on submissionId: the same body again gives 200 and the same receipt, one row', async () => {
		const body = await validBody(next(), units);
		const first = await post(body);
		const again = await post(body);
		expect(first.status).toBe(201);
		expect(again.status).toBe(200);
		expect(again.json.receipt).toBe(first.json.receipt);
		expect((await stored()).filter((s) => s.submissionId === body.submissionId)).toHaveLength(1);
	});

	it('stores one row when the same submission races in ten times', async () => {
		const body = await validBody(next(), units);
		const results = await Promise.all(Array.from({ length: 10 }, () => post(body)));
		const statuses = results.map((r) => r.status).sort();
		expect(statuses.filter((s) => s === 201)).toHaveLength(1);
		expect(statuses.filter((s) => s === 200)).toHaveLength(9);
		expect(new Set(results.map((r) => r.json.receipt)).size).toBe(1);
		expect((await stored()).filter((s) => s.submissionId === body.submissionId)).toHaveLength(1);
	});

	it('stores a submission without proof of work but marks it', async () => {
		const body = await validBody(next(), units);
		delete body.altcha;
		const r = await post(body);
		expect(r.status).toBe(201);
		const row = (await stored()).find((s) => s.submissionId === body.submissionId);
		expect(row?.reasons).toContain('pow.missing');
	});
});

describe('refusals store nothing', () => {
	async function expectRefused(
		body: Record<string, unknown> | string,
		status: number,
		field?: string,
		headers: Record<string, string> = {}
	) {
		const before = (await stored()).length;
		const r = await post(body, headers);
		expect(r.status).toBe(status);
		expect(r.headers.get('content-type')).toContain('application/problem+json');
		expect(r.text).not.toMatch(/at .*\.js:\d+/);
		if (field) {
			const errors = (r.json.errors ?? []) as { path: string }[];
			expect(errors.map((e) => e.path)).toContain(field);
		}
		expect((await stored()).length).toBe(before);
		return r;
	}

	it('an unknown unit', async () => {
		const body = await validBody(next(), units);
		(body.ratings as Record<string, string>).NOPE = 'satisfied';
		await expectRefused(body, 400, 'ratings.NOPE');
	});
	it('an unknown level', async () => {
		const body = await validBody(next(), units);
		(body.ratings as Record<string, string>).U05 = 'delighted';
		await expectRefused(body, 400, 'ratings.U05');
	});
	it('a unit left unanswered', async () => {
		const body = await validBody(next(), units);
		delete (body.ratings as Record<string, string>).U07;
		await expectRefused(body, 400, 'ratings.U07');
	});
	it('a missing required question', async () => {
		await expectRefused(await validBody(next(), units, { answers: {} }), 400, 'answers.attention');
	});
	it('a text over its limit', async () => {
		await expectRefused(
			await validBody(next(), units, { answers: { attention: 'basic', note: '长'.repeat(201) } }),
			400,
			'answers.note'
		);
	});
	it('a wrong group and a wrong area', async () => {
		await expectRefused(await validBody(next(), units, { group: 'martians' }), 400, 'group');
		await expectRefused(await validBody(next(), units, { area: 'ZZ' }), 400, 'area');
	});
	it('an array where an object belongs', async () => {
		await expectRefused(await validBody(next(), units, { ratings: ['satisfied'] }), 400, 'ratings');
	});
	it('duplicate keys', async () => {
		const body = JSON.stringify(await validBody(next(), units)).replace(
			'"ratings":{',
			'"ratings":{"U01":"dissatisfied",'
		);
		await expectRefused(body, 400, '(body)');
	});
	it('a body over the limit, the wrong content type and invalid UTF-8', async () => {
		const big = await validBody(next(), units, {
			answers: { attention: 'basic', note: 'x'.repeat(1024 * 1024) }
		});
		await expectRefused(big, 413);
		await expectRefused(JSON.stringify(await validBody(next(), units)), 415, undefined, {
			'content-type': 'text/plain'
		});
		const r = await fetch(`${server.url}/api/v1/public/surveys/${SLUG}/responses`, {
			method: 'POST',
			headers: { 'content-type': 'application/json' },
			body: new Uint8Array([0x7b, 0x22, 0xff, 0xfe, 0x22, 0x3a, 0x31, 0x7d])
		});
		expect(r.status).toBe(400);
	});
	it('prototype-pollution keys are just bad fields', async () => {
		const body = JSON.stringify(await validBody(next(), units)).replace(
			'"ratings":{',
			'"ratings":{"__proto__":"satisfied",'
		);
		await expectRefused(body, 400);
	});
	it('a forged start token → 403', async () => {
		const start = next();
		const forged = start.token.replace(/\.[^.]+$/, '.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA');
		await expectRefused(await validBody({ ...start, token: forged }, units), 403);
	});
	it('a replayed start token with a new submissionId → 403', async () => {
		const start = next();
		expect((await post(await validBody(start, units))).status).toBe(201);
		const r = await expectRefused(await validBody(start, units), 403);
		expect(r.json.detail).toBe('token.replayed');
	});
	it('a token younger than 8 seconds → 403', async () => {
		const fresh = await fetchStart(server, SLUG);
		const r = await expectRefused(await validBody(fresh, units), 403);
		expect(r.json.detail).toBe('token.too_fast');
	});
	it('a proof of work solved for another token → 403', async () => {
		const a = next();
		const b = next();
		const body = await validBody(a, units);
		body.altcha = (await validBody(b, units)).altcha;
		const r = await expectRefused(body, 403);
		expect(r.json.detail).toBe('pow.other_token');
	});
	it('a tampered proof of work → 403', async () => {
		const body = await validBody(next(), units);
		const decoded = JSON.parse(Buffer.from(String(body.altcha), 'base64').toString());
		const key: string = decoded.solution.derivedKey;
		decoded.solution.derivedKey = (key[0] === '0' ? '1' : '0') + key.slice(1);
		body.altcha = Buffer.from(JSON.stringify(decoded)).toString('base64');
		await expectRefused(body, 403);
	});
	it('the honeypot filled → 403', async () => {
		await expectRefused(await validBody(next(), units, { website: 'http://spam.example' }), 403);
	});
	it('an unknown survey → 404', async () => {
		const r = await pub(
			'POST',
			'/api/v1/public/surveys/nope/responses',
			await validBody(next(), units)
		);
		expect(r.status).toBe(404);
	});
});

describe('closing', () => {
	it('a closed survey answers 410 to the page, the definition and submissions', async () => {
		const body = await validBody(next(), units);
		expect((await admin('POST', `/api/v1/surveys/${SLUG}/close`)).status).toBe(200);
		// The survey view is cached for a few seconds per process.
		await new Promise((r) => setTimeout(r, 3_200));
		expect((await post(body)).status).toBe(410);
		expect((await pub('GET', `/api/v1/public/surveys/${SLUG}`)).status).toBe(410);
		const page = await fetch(`${server.url}/s/${SLUG}`);
		expect(page.status).toBe(410);
		expect(await page.text()).toContain('本次测评已经结束');
		// A retry of something stored before closing still gets its receipt? No: closed is closed.
		expect(randomUUID()).toBeTruthy();
	});
});
