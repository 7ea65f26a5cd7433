import { spawn, type ChildProcess } from 'node:child_process';
import net from 'node:net';
import path from 'node:path';

export const ROOT = path.resolve(import.meta.dirname, '../..');

export async function freePort(): Promise<number> {
	return new Promise((resolve, reject) => {
		const srv = net.createServer();
		srv.on('error', reject);
		srv.listen(0, '127.0.0.1', () => {
			const { port } = srv.address() as net.AddressInfo;
			srv.close(() => resolve(port));
		});
	});
}

export interface Proc {
	url: string;
	child: ChildProcess;
	output: () => string;
	stop(): Promise<void>;
}

async function waitFor(url: string, child: ChildProcess, output: () => string) {
	const deadline = Date.now() + 90_000;
	while (Date.now() < deadline) {
		if (child.exitCode !== null) throw new Error(`process exited:\n${output()}`);
		try {
			if ((await fetch(url)).ok) return;
		} catch {
			// not yet
		}
		await new Promise((r) => setTimeout(r, 200));
	}
	throw new Error(`not ready: ${url}\n${output()}`);
}

export async function startProcess(
	args: string[],
	env: Record<string, string>,
	readyPath: string
): Promise<Proc> {
	const port = await freePort();
	const child = spawn(process.execPath, args, {
		cwd: ROOT,
		env: {
			PATH: process.env.PATH ?? '',
			HOME: process.env.HOME ?? '/tmp',
			PORT: String(port),
			HOST: '127.0.0.1',
			// Form posts are checked against the origin (CSRF); without ORIGIN adapter-node assumes https.
			ORIGIN: `http://127.0.0.1:${port}`,
			...env
		},
		stdio: ['ignore', 'pipe', 'pipe']
	});
	let out = '';
	child.stdout!.on('data', (d) => (out = (out + d).slice(-20000)));
	child.stderr!.on('data', (d) => (out = (out + d).slice(-20000)));
	const url = `http://127.0.0.1:${port}`;
	await waitFor(url + readyPath, child, () => out);
	return {
		url,
		child,
		output: () => out,
		async stop() {
			if (child.exitCode !== null) return;
			const done = new Promise((r) => child.once('exit', r));
			child.kill('SIGTERM');
			await Promise.race([done, new Promise((r) => setTimeout(r, 10_000))]);
			if (child.exitCode === null) child.kill('SIGKILL');
		}
	};
}

/** The production server (server.js over the build in BUILD_DIR, default build/). */
export function startApp(env: Record<string, string>): Promise<Proc> {
	return startProcess(
		[path.join(ROOT, 'server.js')],
		{
			NODE_ENV: 'production',
			SEED_DEMO: 'false',
			LOG_LEVEL: 'warn',
			BUILD_DIR: process.env.BUILD_DIR ?? 'build',
			...env
		},
		'/readyz'
	);
}

/** The HELLO baseline: a raw Node http server answering a fixed body. */
export function startHello(): Promise<Proc> {
	const code =
		"require('http').createServer((q,r)=>{r.writeHead(200,{'content-type':'text/plain'});r.end('hello world')}).listen(+process.env.PORT,'127.0.0.1')";
	return startProcess(['-e', code], {}, '/');
}
