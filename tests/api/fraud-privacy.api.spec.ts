import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../../src/lib/server/db/client';
import { createPostgresTestDatabase } from '../../src/lib/server/db/testing';
import { apiClient, apiToken, startTestServer, type TestServer } from '../helpers/app-server';
import { surveyCycleDocument, validBody, type Start } from '../helpers/respondent';
import { sql } from 'drizzle-orm';
import { dumpAllTables, rowsOf } from '../fixtures/db';

/**
 * Privacy (DESIGN.md §7, issue 6): submissions from many distinct client addresses, with the server
 * behind a proxy (ADDRESS_HEADER=x-forwarded-for, XFF_DEPTH=1) and a spoofed left-most entry, an
 * import carrying addresses and phones; then every table as text and everything the server logged
 * are searched for each raw address and phone: zero hits. Closing the cycle destroys the hash keys.
 */
const SLUG = 'privacy';
const units = Array.from({ length: 30 }, (_, i) => `U${String(i + 1).padStart(2, '0')}`);
let server: TestServer;
let dbEnv: Record<string, string>;
let cleanup: () => Promise<void>;
let cycleId = 0;
const sent: string[] = [];

beforeAll(async () => {
	if (process.env.TEST_DATABASE_URL) {
		const created = await createPostgresTestDatabase(process.env.TEST_DATABASE_URL);
		dbEnv = { DATABASE_URL: created.dbUrl };
		cleanup = created.drop;
	} else {
		const dir = mkdtempSync(path.join(tmpdir(), 'pingyi-privacy-'));
		dbEnv = { PGLITE_DIR: dir };
		cleanup = async () => rmSync(dir, { recursive: true, force: true });
	}
	server = await startTestServer({ ...dbEnv, ADDRESS_HEADER: 'x-forwarded-for', XFF_DEPTH: '1' });
}, 120_000);

afterAll(async () => {
	await server?.stop();
	await cleanup?.();
});

describe('no raw address or phone is stored or logged', () => {
	it('submits from many addresses, imports more, and finds none of them afterwards', async () => {
		const token = await apiToken(server);
		const admin = apiClient(server, token);
		const doc = surveyCycleDocument(SLUG);
		const opened = new Date(Date.now() - 86_400_000);
		doc.surveys[0] = {
			...doc.surveys[0],
			opensAt: opened.toISOString()
		} as (typeof doc.surveys)[0];
		const imported = await admin('POST', '/api/v1/cycles/import', doc);
		expect(imported.status).toBe(201);
		cycleId = Number(imported.json.cycleId);
		expect((await admin('POST', `/api/v1/surveys/${SLUG}/publish`)).status).toBe(200);

		const addresses = [
			...Array.from({ length: 16 }, (_, i) => `198.51.${100 + i}.${17 + i}`),
			...Array.from(
				{ length: 8 },
				(_, i) => `2001:db8:${(0xa0 + i).toString(16)}:1::${(0x50 + i).toString(16)}`
			)
		];
		const spoofed = addresses.map((_, i) => `203.0.113.${50 + i}`);
		// Start tokens are fetched through the proxy too (the address is only ever hashed).
		const starts: Start[] = [];
		for (const a of addresses) {
			const r = await fetch(`${server.url}/api/v1/public/surveys/${SLUG}`, {
				headers: { 'x-forwarded-for': a }
			});
			expect(r.status).toBe(200);
			starts.push(((await r.json()) as { start: Start }).start);
		}
		await new Promise((r) => setTimeout(r, 8_300));
		for (let i = 0; i < addresses.length; i++) {
			const body = await validBody(starts[i], units, { area: 'A1-01' });
			const r = await fetch(`${server.url}/api/v1/public/surveys/${SLUG}/responses`, {
				method: 'POST',
				headers: {
					'content-type': 'application/json',
					// The left-most entry is whatever the client claims; only the proxy's is used.
					'x-forwarded-for': `${spoofed[i]}, ${addresses[i]}`,
					cookie: `py_d=device-${i}`
				},
				body: JSON.stringify(body)
			});
			expect(r.status).toBe(201);
		}
		sent.push(...addresses, ...spoofed);

		// A request without the proxy header is not a 500.
		const bare = await fetch(`${server.url}/api/v1/public/surveys/${SLUG}`);
		expect(bare.status).toBe(200);

		// The importer: addresses and phones arrive in the records and must be hashed on arrival.
		const phones = ['13812345678', '13987654321'];
		const importIps = ['192.0.2.44', '2001:db8:77::9'];
		const lines = importIps.map((ip, i) =>
			JSON.stringify({
				submissionId: randomUUID(),
				receivedAt: new Date(opened.getTime() + (i + 1) * 3_600_000).toISOString(),
				group: 'residents',
				area: 'A1-02',
				ratings: Object.fromEntries(units.map((u) => [u, 'satisfied'])),
				answers: { attention: 'basic' },
				source: 'external',
				network: { ip },
				identity: { phone: phones[i], deviceCookie: `import-device-${i}` }
			})
		);
		const imp = await fetch(`${server.url}/api/v1/surveys/${SLUG}/responses/import`, {
			method: 'POST',
			headers: {
				authorization: `Bearer ${token}`,
				'content-type': 'application/x-ndjson',
				'x-forwarded-for': '198.18.0.99'
			},
			body: lines.join('\n')
		});
		expect(imp.status).toBe(200);
		expect(((await imp.json()) as { imported: number }).imported).toBe(2);
		sent.push(...importIps, ...phones, '198.18.0.99');

		// Closing the cycle destroys the survey's hash key.
		const closed = await admin('PATCH', `/api/v1/cycles/${cycleId}`, { status: 'closed' });
		expect(closed.status).toBe(200);

		await server.stop();
		const handle = await openDatabase(
			dbEnv.DATABASE_URL
				? { url: dbEnv.DATABASE_URL, poolSize: 1 }
				: { pgliteDir: dbEnv.PGLITE_DIR }
		);
		try {
			const tables = await dumpAllTables(handle.db);
			const dump = Object.values(tables).join('\n');
			const log = server.output();
			const inDb = sent.filter((v) => dump.includes(v));
			const inLogs = sent.filter((v) => log.includes(v));
			expect(inDb).toEqual([]);
			expect(inLogs).toEqual([]);
			// Also no /24 or /64 prefix in clear.
			expect(dump).not.toMatch(/198\.51\.1\d\d\.0\/24/);
			expect(dump).not.toContain('2001:db8:a0:1::/64');
			// The submissions carry keyed hashes, and the key is gone.
			expect(tables.submissions).toMatch(/[A-Za-z0-9_-]{22}/);
			// The addresses did reach the pipeline (one prefix hash each), the spoofed ones did not count.
			const prefixes = rowsOf<{ n: number | string }>(
				await handle.db.execute(
					sql`select count(distinct ip_prefix_hash) as n from submissions where source = 'live'`
				)
			);
			expect(Number(prefixes[0].n)).toBe(addresses.length);
			const keys = rowsOf<{ hash_key: unknown }>(
				await handle.db.execute(sql`select hash_key from surveys where slug = ${SLUG}`)
			);
			expect(keys).toEqual([{ hash_key: null }]);
		} finally {
			await handle.close();
		}
	}, 180_000);
});
