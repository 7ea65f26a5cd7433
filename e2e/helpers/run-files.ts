import { tmpdir } from 'node:os';
import path from 'node:path';

/** The administrator the e2e server creates on first start (playwright.config.ts passes it on). */
export const ADMIN = { email: 'admin@e2e.local', password: 'e2e-admin-password' };

export const E2E_PORT = Number(process.env.E2E_PORT ?? 4173);

/**
 * Files of one e2e run, shared by the config, the server wrapper (e2e/serve.js), the recording
 * fixture and the global teardown. Outside `test-results/`: Playwright empties that at the start of
 * every run, so a second run on another port (another engineer, same tree) would delete this run's
 * server log under it. One directory per port: two runs cannot share a port anyway.
 */
export function runFiles() {
	const dir = process.env.E2E_RUN_DIR ?? path.join(tmpdir(), `pingyi-e2e-${E2E_PORT}`);
	return {
		dir,
		/** Everything the server printed on stdout and stderr during the run. */
		serverLog: path.join(dir, 'server.log'),
		/** NDJSON `{ kind, value, test }`: every secret a test typed, received or was shown. */
		secrets: path.join(dir, 'secrets.ndjson')
	};
}
