import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { apiClient, apiToken, startTestServer, type TestServer } from '../helpers/app-server';
import { createPostgresTestDatabase } from '../../src/lib/server/db/testing';
import { surveyCycleDocument } from '../helpers/respondent';
import { bodiesFor, submitLoop, TEST_APP_SECRET } from '../helpers/submissions';

const root = path.resolve(import.meta.dirname, '../..');
const cleanup: (() => Promise<void> | void)[] = [];
afterAll(async () => {
	for (const c of cleanup.reverse()) await c();
});

async function countStored(server: TestServer): Promise<Set<string>> {
	const admin = apiClient(server, await apiToken(server));
	const r = await admin('GET', '/api/v1/surveys/backup/responses?limit=1000');
	return new Set((r.json.items as { submissionId: string }[]).map((i) => i.submissionId));
}

it('a backup restored elsewhere has every submission', async () => {
	const work = mkdtempSync(path.join(tmpdir(), 'pingyi-backup-'));
	cleanup.push(() => rmSync(work, { recursive: true, force: true }));
	const pg = process.env.TEST_DATABASE_URL;
	const env: Record<string, string> = { APP_SECRET: TEST_APP_SECRET };
	if (!pg) env.PGLITE_DIR = path.join(work, 'live');
	const server = await startTestServer(env);
	cleanup.push(() => server.stop());
	const admin = apiClient(server, await apiToken(server));
	expect((await admin('POST', '/api/v1/cycles/import', surveyCycleDocument('backup'))).status).toBe(
		201
	);
	expect((await admin('POST', '/api/v1/surveys/backup/publish')).status).toBe(200);
	const units = Array.from({ length: 30 }, (_, i) => `U${String(i + 1).padStart(2, '0')}`);
	const load = submitLoop(server, 'backup', bodiesFor(1, units, 60), 4);
	await load.done;
	const before = await countStored(server);
	expect(before.size).toBe(60);

	const scriptEnv = {
		...process.env,
		...(pg ? { DATABASE_URL: server.env.DATABASE_URL } : { PGLITE_DIR: env.PGLITE_DIR })
	};
	if (!pg) await server.stop('SIGTERM');
	execFileSync('npx', ['vite-node', 'scripts/backup.ts', '--', '--out', path.join(work, 'out')], {
		cwd: root,
		env: scriptEnv,
		stdio: 'pipe'
	});
	const file = path.join(work, 'out', readdirSync(path.join(work, 'out'))[0]);

	let target: Record<string, string>;
	if (pg) {
		const restored = await createPostgresTestDatabase(pg);
		cleanup.push(restored.drop);
		execFileSync('npx', ['vite-node', 'scripts/restore.ts', '--', file, '--to', restored.dbUrl], {
			cwd: root,
			stdio: 'pipe'
		});
		target = { DATABASE_URL: restored.dbUrl };
	} else {
		const dir = path.join(work, 'restored');
		execFileSync('npx', ['vite-node', 'scripts/restore.ts', '--', file, '--to', dir], {
			cwd: root,
			stdio: 'pipe'
		});
		target = { PGLITE_DIR: dir };
	}
	const copy = await startTestServer({ APP_SECRET: TEST_APP_SECRET, ...target });
	cleanup.push(() => copy.stop('SIGKILL'));
	expect(await countStored(copy)).toEqual(before);
}, 180_000);
