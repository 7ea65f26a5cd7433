// The e2e web server: the production build, with everything it prints written straight into the
// run's server log so that the global teardown can grep a full run for secrets (e2e/global-teardown.ts).
//
// The server gets the log file itself as stdout and stderr (no pipe through this process), so no line
// can still be in flight when the teardown reads the file. Playwright stops the web server by killing
// its process group; the server is in the same group and goes with it. A SIGTERM or SIGINT sent to
// this process alone is passed on, and this process exits when the server does.
import { spawn } from 'node:child_process';
import { mkdirSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';

const log = process.env.E2E_SERVER_LOG;
const secrets = process.env.E2E_SECRETS_FILE;
if (!log || !secrets) {
	console.error(
		'e2e/serve.js: E2E_SERVER_LOG and E2E_SECRETS_FILE must be set (playwright.config.ts)'
	);
	process.exit(2);
}
mkdirSync(path.dirname(log), { recursive: true });
// A fresh log and secret list per run: this starts once, before any test.
writeFileSync(log, '');
writeFileSync(secrets, '');
const out = openSync(log, 'a');

// The production server (server.js picks the build from BUILD_DIR, default build/).
const entry = 'server.js';
const server = spawn(process.execPath, [entry], { stdio: ['ignore', out, out], env: process.env });
for (const signal of /** @type {const} */ (['SIGTERM', 'SIGINT'])) {
	process.on(signal, () => server.kill(signal));
}
server.on('exit', (code, signal) => {
	// Playwright shows the web server's stderr: make a failed start readable there too.
	if (code) console.error(readFileSync(log, 'utf8').split('\n').slice(-30).join('\n'));
	process.exit(code ?? (signal ? 1 : 0));
});
