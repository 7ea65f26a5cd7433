import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import ExcelJS from 'exceljs';
import { parse } from 'csv-parse/sync';
import { openDatabase } from '../../src/lib/server/db/client';
import { createPostgresTestDatabase } from '../../src/lib/server/db/testing';
import {
	answers,
	createRatingsCycle,
	insertSubmissions,
	scoringTestDocument,
	workedExampleAnswers
} from '../../src/lib/server/testing/ratings-factory';
import { apiClient, apiToken, startTestServer, type TestServer } from '../helpers/app-server';

const EVIL = "=cmd|' /C calc'!A0";

let server: TestServer;
let admin: ReturnType<typeof apiClient>;
let cycleId: number;
let emptyCycleId: number;
let cleanup: () => Promise<void> = async () => {};

/**
 * The server's database is seeded before the server starts (ratings cannot be written over HTTP
 * without the respondent flow): a PGlite directory, or a PostgreSQL database when
 * TEST_DATABASE_URL is set.
 */
beforeAll(async () => {
	let extraEnv: Record<string, string>;
	let handle;
	if (process.env.TEST_DATABASE_URL) {
		const created = await createPostgresTestDatabase(process.env.TEST_DATABASE_URL);
		handle = await openDatabase({ url: created.dbUrl, poolSize: 2 });
		extraEnv = { DATABASE_URL: created.dbUrl };
		cleanup = created.drop;
	} else {
		const dir = mkdtempSync(path.join(tmpdir(), 'pingyi-scores-'));
		handle = await openDatabase({ pgliteDir: dir });
		extraEnv = { PGLITE_DIR: dir };
		cleanup = async () => rmSync(dir, { recursive: true, force: true });
	}
	const doc = scoringTestDocument('api');
	doc.units = doc.units!.map((u) => (u.code === 'zhen3' ? { ...u, name: EVIL } : u));
	const fc = await createRatingsCycle(handle.db, doc);
	cycleId = fc.cycleId;
	await insertSubmissions(handle.db, fc, [
		...workedExampleAnswers('zhen1'),
		...answers('zhen2', 'residents', 'C', { 100: 20, 60: 20 }, 0, { day: '2025-10-02' }),
		...answers('zhen2', 'deputies', null, { 80: 20 }),
		...answers('zhen3', 'residents', null, { 60: 3 }, 0, {
			status: 'quarantined',
			reasons: ['speed.hard']
		})
	]);
	emptyCycleId = (await createRatingsCycle(handle.db, scoringTestDocument('empty'))).cycleId;
	await handle.close();
	server = await startTestServer(extraEnv);
	admin = apiClient(server, await apiToken(server));
});

afterAll(async () => {
	await server?.stop();
	await cleanup();
});

async function userClient(role: string, unitCode?: string) {
	const email = `${role}-${Math.random().toString(36).slice(2)}@test.local`;
	const password = 'correct-horse-battery';
	const r = await admin('POST', '/api/v1/users', { email, name: role, role, unitCode, password });
	expect(r.status).toBe(201);
	return apiClient(server, await apiToken(server, email, password));
}

async function download(p: string, token?: string) {
	const r = await fetch(server.url + p, {
		headers: token ? { authorization: `Bearer ${token}` } : {}
	});
	return { status: r.status, headers: r.headers, bytes: new Uint8Array(await r.arrayBuffer()) };
}

describe('GET /api/v1/cycles/{id}/scores', () => {
	it('returns the §12 shape with the worked example figures', async () => {
		const r = await admin('GET', `/api/v1/cycles/${cycleId}/scores`);
		expect(r.status).toBe(200);
		expect(r.json).toMatchObject({
			cycle: { id: cycleId },
			snapshot: { id: null, status: 'live' },
			configVersion: 1,
			exclusions: 'applied'
		});
		expect(typeof r.json.computedAt).toBe('string');
		const items = r.json.items as Record<string, unknown>[];
		expect(items.map((i) => i.unit).sort()).toEqual(['dept1', 'zhen1', 'zhen2', 'zhen3']);
		const z1 = items.find((i) => i.unit === 'zhen1') as Record<string, never>;
		for (const k of [
			'unit',
			'category',
			'score',
			'satisfactionRate',
			'dkShare',
			'nSubmitted',
			'nExcluded',
			'nValid',
			'nEff',
			'ci',
			'rank',
			'rankOf',
			'points',
			'bottom',
			'flags',
			'groups'
		]) {
			expect(z1).toHaveProperty(k);
		}
		expect(z1.score).toBeCloseTo(82.0343, 4);
		expect(z1.points).toBeCloseTo(8.2, 2);
		expect(z1.category).toBe('township');
		const residents = (z1.groups as Record<string, number>[]).find(
			(g) => (g.group as unknown) === 'residents'
		)!;
		expect(residents).toMatchObject({ weight: 0.5, nValid: 93 });
		expect(residents.score).toBeCloseTo(73.5111, 4);
		const z3 = items.find((i) => i.unit === 'zhen3') as Record<string, number>;
		expect(z3).toMatchObject({ nSubmitted: 3, nExcluded: 3, nValid: 0, score: null });

		const none = await admin('GET', `/api/v1/cycles/${cycleId}/scores?exclusions=none`);
		const z3all = (none.json.items as Record<string, number>[]).find(
			(i) => (i.unit as unknown) === 'zhen3'
		)!;
		expect(z3all).toMatchObject({ nExcluded: 0, nValid: 3, score: 60 });
	});

	it('answers bad parameters with 400 and the fields, unknown cycles with 404', async () => {
		const bad = await admin('GET', `/api/v1/cycles/${cycleId}/scores?format=pdf&exclusions=x`);
		expect(bad.status).toBe(400);
		expect(bad.headers.get('content-type')).toContain('application/problem+json');
		const paths = (bad.json.errors as { path: string }[]).map((e) => e.path).sort();
		expect(paths).toEqual(['exclusions', 'format']);
		expect((await admin('GET', `/api/v1/cycles/${cycleId}/scores?snapshot=abc`)).status).toBe(400);
		expect((await admin('GET', `/api/v1/cycles/${cycleId}/scores?snapshot=99999`)).status).toBe(
			404
		);
		expect((await admin('GET', `/api/v1/cycles/999999/scores`)).status).toBe(404);
	});

	it('exports CSV with a BOM and escapes a formula-like unit name', async () => {
		const token = await apiToken(server);
		const r = await download(`/api/v1/cycles/${cycleId}/scores?format=csv`, token);
		expect(r.status).toBe(200);
		expect(r.headers.get('content-type')).toContain('text/csv');
		expect(r.headers.get('content-disposition')).toContain('.csv');
		expect([...r.bytes.slice(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
		// TextDecoder drops the BOM (checked above as bytes).
		const text = new TextDecoder().decode(r.bytes);
		const rows = parse(text) as string[][];
		expect(rows[0][0]).toBe('类别');
		const evil = rows.find((row) => row[1] === 'zhen3')!;
		expect(evil[2]).toBe(`'${EVIL}`);
		for (const row of rows) for (const cell of row) expect(cell).not.toMatch(/^[=+\-@\t\r]/);
		const z1 = rows.find((row) => row[1] === 'zhen1')!;
		expect(Number(z1[3])).toBeCloseTo(82.0343, 4);
		expect(z1[17]).toBe('');
		expect(evil[17]).toContain('不排名');
	});

	it('exports XLSX with the unit sheet, one sheet per group and the method sheet', async () => {
		const token = await apiToken(server);
		const r = await download(`/api/v1/cycles/${cycleId}/scores?format=xlsx`, token);
		expect(r.status).toBe(200);
		expect(r.headers.get('content-type')).toContain('spreadsheetml');
		const wb = new ExcelJS.Workbook();
		await wb.xlsx.load(r.bytes.buffer as ArrayBuffer);
		expect(wb.worksheets.map((w) => w.name)).toEqual([
			'单位得分',
			'群众',
			'服务对象',
			'两代表一委员',
			'方法参数'
		]);
		const ws = wb.getWorksheet('单位得分')!;
		const rows: unknown[][] = [];
		ws.eachRow((row) => rows.push((row.values as unknown[]).slice(1)));
		const header = rows.find((row) => row[0] === '类别')!;
		const col = (name: string) => header.indexOf(name);
		const z1 = rows.find((row) => row[1] === 'zhen1')!;
		expect(z1[col('得分')]).toBeCloseTo(82.0343, 4);
		expect(z1[col('置信区间下限')]).toBeCloseTo(75.39, 2);
		expect(z1[col('置信区间上限')]).toBeCloseTo(88.68, 2);
		expect(z1[col('满意率 (%)')]).toBeCloseTo(91.56, 2);
		expect(z1[col('有效答案')]).toBe(145);
		expect(z1[col('排名')]).toBe(1);
		expect(z1[col('考核分')]).toBeCloseTo(8.2, 2);
		expect(ws.getRow(rows.indexOf(z1) + 1).getCell(col('得分') + 1).numFmt).toBe('0.00');
		const evil = rows.find((row) => row[1] === 'zhen3')!;
		expect(evil[2]).toBe(`'${EVIL}`);

		const residents = wb.getWorksheet('群众')!;
		const gRows: unknown[][] = [];
		residents.eachRow((row) => gRows.push((row.values as unknown[]).slice(1)));
		const gz1 = gRows.find((row) => row[1] === 'zhen1')!;
		expect(gz1[3]).toBeCloseTo(73.5111, 4);
		expect(gz1[4]).toBeCloseTo(88.8172, 4);

		const method = wb.getWorksheet('方法参数')!;
		const mRows: unknown[][] = [];
		method.eachRow((row) => mRows.push((row.values as unknown[]).slice(1)));
		expect(mRows.find((row) => row[0] === '参数版本')?.[1]).toBe(1);
		expect(mRows.find((row) => row[0] === '乡镇')).toEqual(['乡镇', 0.5, 0.2, 0.3]);
		expect(mRows.find((row) => row[0] === '两代表一委员')?.[1]).toBe(15);
	});

	it('says what is missing for a cycle with no answers instead of failing', async () => {
		const token = await apiToken(server);
		const json = await admin('GET', `/api/v1/cycles/${emptyCycleId}/scores`);
		expect(json.status).toBe(200);
		expect(json.json.notes).toContain('no_answers_in_cycle');
		const csv = await download(`/api/v1/cycles/${emptyCycleId}/scores?format=csv`, token);
		expect(csv.status).toBe(200);
		expect(new TextDecoder().decode(csv.bytes)).toContain('没有收到任何答卷');
		const xlsx = await download(`/api/v1/cycles/${emptyCycleId}/scores?format=xlsx`, token);
		expect(xlsx.status).toBe(200);
		const wb = new ExcelJS.Workbook();
		await wb.xlsx.load(xlsx.bytes.buffer as ArrayBuffer);
		const texts: string[] = [];
		wb.getWorksheet('方法参数')!.eachRow((row) => texts.push(String(row.getCell(1).value)));
		expect(texts.join('\n')).toContain('本周期还没有收到答卷');
	});
});

describe('roles', () => {
	it('refuses reviewers, and shows a unit liaison only their own unit', async () => {
		const reviewer = await userClient('reviewer');
		expect((await reviewer('GET', `/api/v1/cycles/${cycleId}/scores`)).status).toBe(403);
		expect((await reviewer('GET', `/api/v1/cycles/${cycleId}/scores?format=csv`)).status).toBe(403);
		expect((await reviewer('POST', `/api/v1/cycles/${cycleId}/snapshots`)).status).toBe(403);

		const liaison = await userClient('unit_liaison', 'zhen2');
		const mine = await liaison('GET', `/api/v1/cycles/${cycleId}/scores`);
		expect(mine.status).toBe(200);
		expect((mine.json.items as { unit: string }[]).map((i) => i.unit)).toEqual(['zhen2']);
		const csv = await liaison('GET', `/api/v1/cycles/${cycleId}/scores?format=csv`);
		expect(csv.text).toContain('zhen2');
		expect(csv.text).not.toContain('zhen1');
		expect((await liaison('POST', `/api/v1/cycles/${cycleId}/snapshots`)).status).toBe(403);
		expect((await liaison('GET', `/api/v1/cycles/${cycleId}/snapshots`)).status).toBe(403);

		const viewer = await userClient('viewer');
		expect((await viewer('GET', `/api/v1/cycles/${cycleId}/scores`)).status).toBe(200);
		expect((await viewer('POST', `/api/v1/cycles/${cycleId}/snapshots`)).status).toBe(403);
	});
});

describe('snapshots over HTTP', () => {
	it('creates, publishes once, and serves the published snapshot', async () => {
		expect((await admin('GET', `/api/v1/cycles/${cycleId}/scores?snapshot=published`)).status).toBe(
			404
		);
		const created = await admin('POST', `/api/v1/cycles/${cycleId}/snapshots`);
		expect(created.status).toBe(201);
		const id = created.json.id as number;
		expect(created.json).toMatchObject({ status: 'live', exclusions: 'applied', configVersion: 1 });
		const pub = await admin('POST', `/api/v1/cycles/${cycleId}/snapshots/${id}/publish`);
		expect(pub.status).toBe(200);
		expect(pub.json.status).toBe('published');
		const again = await admin('POST', `/api/v1/cycles/${cycleId}/snapshots/${id}/publish`);
		expect(again.status).toBe(409);
		const doc = await admin('GET', `/api/v1/cycles/${cycleId}/scores?snapshot=published`);
		expect(doc.status).toBe(200);
		expect(doc.json.snapshot).toMatchObject({ id, status: 'published' });
		const byId = await admin('GET', `/api/v1/cycles/${cycleId}/scores?snapshot=${id}`);
		expect(byId.json.items).toEqual(doc.json.items);
		const list = await admin('GET', `/api/v1/cycles/${cycleId}/snapshots`);
		expect((list.json.items as { id: number }[]).map((s) => s.id)).toEqual([id]);

		const withBody = await admin('POST', `/api/v1/cycles/${cycleId}/snapshots`, {
			exclusions: 'none'
		});
		expect(withBody.status).toBe(201);
		expect(withBody.json.exclusions).toBe('none');
		const badBody = await admin('POST', `/api/v1/cycles/${cycleId}/snapshots`, {
			exclusions: 'some'
		});
		expect(badBody.status).toBe(400);
		expect((await admin('POST', `/api/v1/cycles/${cycleId}/snapshots/99999/publish`)).status).toBe(
			404
		);
		// A snapshot of this cycle cannot be published through another cycle's path.
		expect(
			(await admin('POST', `/api/v1/cycles/${emptyCycleId}/snapshots/${id}/publish`)).status
		).toBe(404);
	});
});
