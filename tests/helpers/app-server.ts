import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { createPostgresTestDatabase } from '../../src/lib/server/db/testing';

export interface TestServer {
	url: string;
	port: number;
	/** Everything the server printed (JSON log lines and the console). */
	output(): string;
	stop(signal?: NodeJS.Signals): Promise<void>;
	/** Restarts on the same port and database (for crash tests). */
	restart(): Promise<void>;
	env: Record<string, string>;
}

export const ADMIN_EMAIL = 'admin@test.local';
export const ADMIN_PASSWORD = 'admin-password-123';

export async function freePort(): Promise<number> {
	return new Promise((resolve, reject) => {
		const srv = net.createServer();
		srv.unref();
		srv.on('error', reject);
		srv.listen(0, '127.0.0.1', () => {
			const { port } = srv.address() as net.AddressInfo;
			srv.close(() => resolve(port));
		});
	});
}

/**
 * Starts the production server (`server.js` over `build/`) as a child process on a free loopback port with a
 * fresh database: in-memory PGlite, or a new PostgreSQL database when TEST_DATABASE_URL is set.
 * Real HTTP, real hooks, real handlers: nothing of our own is mocked.
 */
export async function startTestServer(extraEnv: Record<string, string> = {}): Promise<TestServer> {
	const root = path.resolve(import.meta.dirname, '../..');
	const buildDir = process.env.BUILD_DIR ?? 'build';
	const entry = path.join(root, 'server.js');
	if (!existsSync(path.join(root, buildDir, 'handler.js'))) {
		throw new Error('build/ is missing: run `npm run build` first (npm test does)');
	}
	const port = await freePort();
	let dropDb: (() => Promise<void>) | undefined;
	const env: Record<string, string> = {
		PATH: process.env.PATH ?? '',
		HOME: process.env.HOME ?? '/tmp',
		PORT: String(port),
		HOST: '127.0.0.1',
		ORIGIN: `http://127.0.0.1:${port}`,
		NODE_ENV: 'production',
		ADMIN_EMAIL,
		ADMIN_PASSWORD,
		SEED_DEMO: 'false',
		LOG_LEVEL: 'info',
		PGLITE_DIR: 'memory://',
		BODY_SIZE_LIMIT: '12M',
		BUILD_DIR: buildDir,
		...extraEnv
	};
	if (process.env.TEST_DATABASE_URL && !extraEnv.DATABASE_URL && !extraEnv.PGLITE_DIR) {
		const created = await createPostgresTestDatabase(process.env.TEST_DATABASE_URL);
		env.DATABASE_URL = created.dbUrl;
		dropDb = created.drop;
	}
	let out = '';
	let child: ChildProcess;
	const launch = async () => {
		child = spawn(process.execPath, [entry], { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'] });
		child.stdout!.on('data', (d) => (out += d));
		child.stderr!.on('data', (d) => (out += d));
		await waitReady(`http://127.0.0.1:${port}`, () => out, child);
	};
	await launch();
	return {
		url: `http://127.0.0.1:${port}`,
		port,
		env,
		output: () => out,
		async restart() {
			await launch();
		},
		async stop(signal = 'SIGTERM') {
			if (child.exitCode === null && child.signalCode === null) {
				const exited = new Promise((r) => child.once('exit', r));
				child.kill(signal);
				await Promise.race([exited, new Promise((r) => setTimeout(r, 10_000))]);
				if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
			}
			if (dropDb && signal !== 'SIGKILL') {
				await dropDb();
				dropDb = undefined;
			}
		}
	};
}

async function waitReady(url: string, output: () => string, child: ChildProcess) {
	const deadline = Date.now() + 60_000;
	while (Date.now() < deadline) {
		if (child.exitCode !== null) throw new Error(`server exited early:\n${output()}`);
		try {
			const r = await fetch(`${url}/readyz`);
			if (r.ok) return;
		} catch {
			// not listening yet
		}
		await new Promise((r) => setTimeout(r, 150));
	}
	throw new Error(`server not ready in 60 s:\n${output()}`);
}

/** Signs in through the API and returns a bearer token for the given account. */
export async function apiToken(
	server: TestServer,
	email = ADMIN_EMAIL,
	password = ADMIN_PASSWORD
): Promise<string> {
	const r = await fetch(`${server.url}/api/v1/auth/tokens`, {
		method: 'POST',
		headers: { 'content-type': 'application/json' },
		body: JSON.stringify({ email, password, name: 'test' })
	});
	if (r.status !== 201) throw new Error(`token: ${r.status} ${await r.text()}`);
	return ((await r.json()) as { token: string }).token;
}

/** A small fetch wrapper for JSON API calls with a bearer token. */
export function apiClient(server: TestServer, token?: string) {
	return async (
		method: string,
		p: string,
		body?: unknown,
		headers: Record<string, string> = {}
	) => {
		const r = await fetch(server.url + p, {
			method,
			headers: {
				...(token ? { authorization: `Bearer ${token}` } : {}),
				...(body !== undefined ? { 'content-type': 'application/json' } : {}),
				...headers
			},
			body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body)
		});
		const text = await r.text();
		let json: unknown;
		try {
			json = text ? JSON.parse(text) : undefined;
		} catch {
			json = undefined;
		}
		return {
			status: r.status,
			headers: r.headers,
			text,
			json: json as Record<string, unknown> & { [k: string]: unknown }
		};
	};
}
