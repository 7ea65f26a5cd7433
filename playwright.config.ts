import { defineConfig, devices } from '@playwright/test';
import { ADMIN, E2E_PORT as port, runFiles } from './e2e/helpers/run-files';

const chromium = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

const files = runFiles();

/**
 * End-to-end tests against the production build on a fresh in-memory PGlite database, in Debian's
 * Chromium (never a downloaded browser). The server logs at `info` into the run's server log, which
 * the global teardown checks for every secret the tests used (e2e/global-teardown.ts).
 */
export default defineConfig({
	testDir: 'e2e',
	testMatch: '**/*.e2e.ts',
	timeout: 60_000,
	workers: 1,
	reporter: [['list']],
	globalTeardown: './e2e/global-teardown.ts',
	use: {
		baseURL: `http://127.0.0.1:${port}`,
		launchOptions: {
			executablePath: chromium,
			args: [
				'--headless',
				'--no-sandbox',
				'--disable-gpu',
				'--disable-background-networking',
				'--disable-component-update',
				'--disable-sync',
				'--no-first-run'
			]
		}
	},
	projects: [
		{
			name: 'desktop',
			use: { ...devices['Desktop Chrome'], channel: undefined },
			testIgnore: '**/*.phone.e2e.ts'
		},
		{
			name: 'phone',
			use: {
				viewport: { width: 360, height: 740 },
				isMobile: true,
				hasTouch: true,
				userAgent:
					'Mozilla/5.0 (Linux; Android 10; V2001A) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/86.0.4240.99 Mobile Safari/537.36 MicroMessenger/8.0.40'
			},
			testMatch: '**/*.phone.e2e.ts'
		}
	],
	webServer: {
		// Starts server.js (over `${BUILD_DIR:-build}`) with its output in the run's server log.
		command: 'node e2e/serve.js',
		url: `http://127.0.0.1:${port}/readyz`,
		reuseExistingServer: false,
		timeout: 120_000,
		env: {
			PORT: String(port),
			HOST: '127.0.0.1',
			ORIGIN: `http://127.0.0.1:${port}`,
			NODE_ENV: 'production',
			PGLITE_DIR: 'memory://',
			ADMIN_EMAIL: ADMIN.email,
			ADMIN_PASSWORD: ADMIN.password,
			SEED_DEMO: 'true',
			// Every request is logged, so that the log audit sees all a full run writes.
			LOG_LEVEL: 'info',
			E2E_SERVER_LOG: files.serverLog,
			E2E_SECRETS_FILE: files.secrets,
			BODY_SIZE_LIMIT: '12M',
			// Every test signs in; the default 5 per account per 15 minutes is for people.
			LOGIN_MAX_ATTEMPTS: '200'
		}
	}
});
