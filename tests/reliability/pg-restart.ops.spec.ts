import { execSync } from 'node:child_process';
import { afterAll, expect, it } from 'vitest';
import { apiClient, apiToken, startTestServer, type TestServer } from '../helpers/app-server';
import { surveyCycleDocument } from '../helpers/respondent';
import { bodiesFor, submitLoop, TEST_APP_SECRET } from '../helpers/submissions';

/**
 * PostgreSQL stopped and started under load: while it is down clients get 503 with Retry-After
 * (never 500), the app reconnects by itself, and nothing acknowledged is lost. It restarts the
 * cluster that serves TEST_DATABASE_URL, so it runs alone: `OPS_TESTS=1 npx vitest run --project
 * ops` (.ci/run does). Point TEST_DATABASE_URL at a cluster of your own (`pg_createcluster`, another
 * port) to run it without stopping a PostgreSQL that others use.
 */
let server: TestServer;

/** The Debian cluster (`pg_lsclusters`: version, name, port, …) that listens on the URL's port. */
function clusterOf(url: string): { version: string; name: string; port: string } {
	const port = new URL(url).port || '5432';
	const fields = execSync('pg_lsclusters --no-header')
		.toString()
		.split('\n')
		.map((l) => l.trim().split(/\s+/))
		.find((f) => f[2] === port);
	if (!fields) throw new Error(`no local PostgreSQL cluster on port ${port} (pg_lsclusters)`);
	return { version: fields[0], name: fields[1], port };
}

afterAll(async () => {
	await server?.stop();
});

it('survives a PostgreSQL restart under load', async () => {
	expect(process.env.TEST_DATABASE_URL).toBeTruthy();
	server = await startTestServer({ APP_SECRET: TEST_APP_SECRET });
	const admin = apiClient(server, await apiToken(server));
	expect((await admin('POST', '/api/v1/cycles/import', surveyCycleDocument('pgr'))).status).toBe(
		201
	);
	expect((await admin('POST', '/api/v1/surveys/pgr/publish')).status).toBe(200);
	const units = Array.from({ length: 30 }, (_, i) => `U${String(i + 1).padStart(2, '0')}`);
	const bodies = bodiesFor(1, units, 4000);
	const load = submitLoop(server, 'pgr', bodies, 4);
	await new Promise((r) => setTimeout(r, 800));
	const pg = clusterOf(process.env.TEST_DATABASE_URL!);
	const ctl = `pg_ctlcluster --skip-systemctl-redirect ${pg.version} ${pg.name}`;
	execSync(`${ctl} stop -m fast`);
	await new Promise((r) => setTimeout(r, 2500));
	const during = { ...load.statuses };
	execSync(`${ctl} start`);
	for (let i = 0; i < 30; i++) {
		try {
			execSync(`pg_isready -h 127.0.0.1 -p ${pg.port} -q`);
			break;
		} catch {
			await new Promise((r) => setTimeout(r, 500));
		}
	}
	await new Promise((r) => setTimeout(r, 2500));
	await load.stop();
	expect(during[503] ?? 0).toBeGreaterThan(0);
	expect(load.statuses[500] ?? 0).toBe(0);
	// Submissions succeed again after the restart.
	const after = bodiesFor(1, units, 5);
	for (const body of after) {
		const r = await fetch(`${server.url}/api/v1/public/surveys/pgr/responses`, {
			method: 'POST',
			headers: { 'content-type': 'application/json' },
			body
		});
		expect(r.status).toBe(201);
	}
	const stored = new Set<string>();
	let cursor = '';
	for (;;) {
		const r = await apiClient(server, await apiToken(server))(
			'GET',
			`/api/v1/surveys/pgr/responses?limit=1000${cursor ? `&cursor=${cursor}` : ''}`
		);
		for (const it of r.json.items as { submissionId: string }[]) stored.add(it.submissionId);
		if (!r.json.nextCursor) break;
		cursor = String(r.json.nextCursor);
	}
	for (const a of load.acks) expect(stored.has(a.submissionId)).toBe(true);
}, 120_000);
