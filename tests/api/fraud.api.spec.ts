import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiClient, apiToken, startTestServer, type TestServer } from '../helpers/app-server';
import { allRatings, surveyCycleDocument } from '../helpers/respondent';

/**
 * The anti-fraud API over HTTP: NDJSON import, alerts, the retrospective pass as a job, rule-set
 * versions, and review decisions, each with the roles that may (and may not) call it.
 */
const SLUG = 'fraud-api';
const units = Array.from({ length: 30 }, (_, i) => `U${String(i + 1).padStart(2, '0')}`);
let server: TestServer;
let admin: ReturnType<typeof apiClient>;
let viewer: ReturnType<typeof apiClient>;
let reviewer: ReturnType<typeof apiClient>;
let anonymous: ReturnType<typeof apiClient>;
let cycleId: number;
let viewerToken: string;
let adminToken: string;
const opened = new Date(Date.now() - 2 * 86_400_000);

async function userClient(role: string) {
	const email = `${role}-${randomUUID().slice(0, 8)}@test.local`;
	const password = 'correct-horse-battery';
	const r = await admin('POST', '/api/v1/users', { email, name: role, role, password });
	expect(r.status).toBe(201);
	const token = await apiToken(server, email, password);
	return { client: apiClient(server, token), token };
}

function line(over: Record<string, unknown> = {}) {
	return {
		submissionId: randomUUID(),
		receivedAt: new Date(opened.getTime() + 3_600_000).toISOString(),
		group: 'residents',
		area: 'A1-01',
		ratings: { ...allRatings(units, 'dont_know'), U01: 'satisfied', U02: 'fairly_satisfied' },
		answers: { attention: 'basic' },
		source: 'paper',
		...over
	};
}

async function importNdjson(
	lines: unknown[],
	query = '',
	token = adminToken,
	type = 'application/x-ndjson'
) {
	const r = await fetch(`${server.url}/api/v1/surveys/${SLUG}/responses/import${query}`, {
		method: 'POST',
		headers: { authorization: `Bearer ${token}`, 'content-type': type },
		body: lines.map((l) => (typeof l === 'string' ? l : JSON.stringify(l))).join('\n')
	});
	return {
		status: r.status,
		type: r.headers.get('content-type') ?? '',
		json: (await r.json()) as Record<string, unknown>
	};
}

beforeAll(async () => {
	server = await startTestServer();
	adminToken = await apiToken(server);
	admin = apiClient(server, adminToken);
	anonymous = apiClient(server);
	const doc = surveyCycleDocument(SLUG);
	doc.surveys[0] = { ...doc.surveys[0], opensAt: opened.toISOString() } as (typeof doc.surveys)[0];
	const imported = await admin('POST', '/api/v1/cycles/import', doc);
	expect(imported.status).toBe(201);
	cycleId = Number(imported.json.cycleId);
	expect((await admin('POST', `/api/v1/surveys/${SLUG}/publish`)).status).toBe(200);
	const v = await userClient('viewer');
	viewer = v.client;
	viewerToken = v.token;
	reviewer = (await userClient('reviewer')).client;
}, 120_000);

afterAll(async () => {
	await server?.stop();
});

describe('import', () => {
	it('refuses viewers and wrong content types', async () => {
		expect((await importNdjson([line()], '', viewerToken)).status).toBe(403);
		expect((await importNdjson([line()], '', adminToken, 'application/json')).status).toBe(415);
	});

	it('stores nothing when a line is bad and lists the bad lines', async () => {
		const r = await importNdjson([
			line(),
			'{"broken"',
			line({ receivedAt: '2001-01-01T00:00:00Z' })
		]);
		expect(r.status).toBe(400);
		expect(r.type).toContain('application/problem+json');
		expect(r.json).toMatchObject({ imported: 0, rejected: 2 });
		expect((r.json.errors as { line: number }[]).map((e) => e.line)).toEqual([2, 3]);
		const list = await admin('GET', `/api/v1/surveys/${SLUG}/responses`);
		expect(list.json.items).toEqual([]);
	});

	it('imports good lines with partial=true and all of them otherwise', async () => {
		const partial = await importNdjson([line(), '[1]'], '?partial=true');
		expect(partial.status).toBe(200);
		expect(partial.json).toMatchObject({ imported: 1, rejected: 1 });
		const cloud = Array.from({ length: 4 }, (_, i) =>
			line({
				receivedAt: new Date(opened.getTime() + (5 + i) * 3_600_000).toISOString(),
				network: { ip: `47.96.0.${10 + i}` },
				source: 'external'
			})
		);
		const all = await importNdjson(cloud);
		expect(all.status).toBe(200);
		expect(all.json).toMatchObject({ imported: 4, rejected: 0, errors: [] });
		const job = await admin('GET', `/api/v1/jobs/${String(all.json.jobId)}`);
		expect(job.status).toBe(200);
		expect((job.json.job as { status: string }).status).toBe('done');
		const q = await admin('GET', `/api/v1/surveys/${SLUG}/responses?status=quarantined`);
		const items = q.json.items as { reasons: string[] }[];
		expect(items).toHaveLength(4);
		expect(items.every((i) => i.reasons.includes('network.datacenter'))).toBe(true);
		expect(JSON.stringify(q.json)).not.toContain('47.96.0');
	});
});

describe('alerts, recheck and rule sets', () => {
	it('lists alerts to office readers only', async () => {
		const r = await viewer('GET', `/api/v1/surveys/${SLUG}/alerts`);
		expect(r.status).toBe(200);
		expect(Array.isArray(r.json.items)).toBe(true);
		expect((await anonymous('GET', `/api/v1/surveys/${SLUG}/alerts`)).status).toBe(401);
		expect((await admin('GET', '/api/v1/surveys/no-such-survey/alerts')).status).toBe(404);
	});

	it('runs the retrospective pass as a job (admin only)', async () => {
		expect((await viewer('POST', `/api/v1/surveys/${SLUG}/recheck`)).status).toBe(403);
		expect((await reviewer('POST', `/api/v1/surveys/${SLUG}/recheck`)).status).toBe(403);
		const started = await admin('POST', `/api/v1/surveys/${SLUG}/recheck`);
		expect(started.status).toBe(202);
		const id = (started.json.job as { id: string }).id;
		expect(started.headers.get('location')).toBe(`/api/v1/jobs/${id}`);
		const waited = await admin('POST', `/api/v1/surveys/${SLUG}/recheck?wait=true`);
		expect(waited.status).toBe(200);
		const job = waited.json.job as {
			status: string;
			result: { submissions: number; changed: number };
		};
		expect(job.status).toBe('done');
		expect(job.result.submissions).toBe(5);
		expect(job.result.changed).toBe(0);
		expect((await viewer('GET', `/api/v1/jobs/${id}`)).status).toBe(403);
		expect((await admin('GET', '/api/v1/jobs/nope')).status).toBe(404);
	});

	it('versions rule sets: a reason is needed once a survey is open, then every open survey is rechecked', async () => {
		const list = await viewer('GET', `/api/v1/cycles/${cycleId}/rule-sets`);
		expect(list.status).toBe(200);
		expect((list.json.items as { version: number }[]).map((i) => i.version)).toEqual([1]);
		expect(
			(await viewer('POST', `/api/v1/cycles/${cycleId}/rule-sets`, { rules: {} })).status
		).toBe(403);
		const noReason = await admin('POST', `/api/v1/cycles/${cycleId}/rule-sets`, {
			rules: { points: { 'network.datacenter': 1 } }
		});
		expect(noReason.status).toBe(400);
		expect(noReason.json.errors).toEqual([{ path: 'reason', message: 'reason_required' }]);
		const invalid = await admin('POST', `/api/v1/cycles/${cycleId}/rule-sets`, {
			rules: { thresholds: { flag: 5, quarantine: 3 }, points: { 'no.such': 1 } },
			reason: 'test'
		});
		expect(invalid.status).toBe(400);
		expect((invalid.json.errors as { path: string }[]).map((e) => e.path)).toContain(
			'rules.points'
		);
		const created = await admin('POST', `/api/v1/cycles/${cycleId}/rule-sets`, {
			rules: { points: { 'network.datacenter': 1 } },
			reason: '云服务器出口多为企业代理，降低分值'
		});
		expect(created.status).toBe(201);
		expect(created.json.version).toBe(2);
		const jobs = created.json.jobs as { survey: string; jobId: string }[];
		expect(jobs.map((j) => j.survey)).toEqual([SLUG]);
		let status = 'running';
		let result: { changed?: number; transitions?: Record<string, number> } = {};
		for (let i = 0; i < 100 && status === 'running'; i++) {
			const j = await admin('GET', `/api/v1/jobs/${jobs[0].jobId}`);
			({ status, result } = j.json.job as { status: string; result: typeof result });
			if (status === 'running') await new Promise((r) => setTimeout(r, 100));
		}
		expect(status).toBe('done');
		expect(result.changed).toBe(4);
		// 1 point for the cloud network plus the flag-only out-of-county point: flagged, not quarantined.
		expect(result.transitions).toEqual({ 'quarantined→flagged': 4 });
		const again = await admin('POST', `/api/v1/cycles/${cycleId}/rule-sets`, {
			rules: {},
			reason: 'same'
		});
		expect(again.status).toBe(400);
	});
});

describe('review', () => {
	it('decides one submission and whole clusters, always with a reason', async () => {
		await admin('POST', `/api/v1/cycles/${cycleId}/rule-sets`, {
			rules: { points: { 'network.datacenter': 3 } },
			reason: '恢复默认分值'
		});
		const done = await admin('POST', `/api/v1/surveys/${SLUG}/recheck?wait=true`);
		expect((done.json.job as { status: string }).status).toBe('done');
		const q = await reviewer('GET', `/api/v1/surveys/${SLUG}/responses?status=quarantined`);
		const ids = (q.json.items as { submissionId: string }[]).map((i) => i.submissionId);
		expect(ids).toHaveLength(4);

		const body = { decision: 'accept', reason: '核实为政务外网出口' };
		expect((await viewer('POST', `/api/v1/responses/${ids[0]}/review`, body)).status).toBe(403);
		expect(
			(await reviewer('POST', `/api/v1/responses/${ids[0]}/review`, { decision: 'accept' })).status
		).toBe(400);
		expect((await reviewer('POST', `/api/v1/responses/${randomUUID()}/review`, body)).status).toBe(
			404
		);
		const one = await reviewer('POST', `/api/v1/responses/${ids[0]}/review`, body);
		expect(one.status).toBe(200);
		expect(one.json).toMatchObject({ decided: 1, decision: 'accept', ruleSetVersion: 3 });

		expect(
			(
				await reviewer('POST', `/api/v1/surveys/${SLUG}/review`, {
					ids,
					cluster: 'reason:x',
					...body
				})
			).status
		).toBe(400);
		expect((await viewer('POST', `/api/v1/surveys/${SLUG}/review`, { ids, ...body })).status).toBe(
			403
		);
		const bulk = await reviewer('POST', `/api/v1/surveys/${SLUG}/review`, {
			cluster: 'reason:network.datacenter',
			decision: 'exclude',
			reason: '同一云服务器批量提交'
		});
		expect(bulk.status).toBe(200);
		expect(bulk.json.decided).toBe(3);
		const excluded = await admin('GET', `/api/v1/surveys/${SLUG}/responses?status=excluded`);
		expect(excluded.json.items).toHaveLength(3);
	});
});
