#!/usr/bin/env node
// `npm start`: build if the build is missing or older than the sources, then serve the production
// build. Migrations and the demo county are applied by the server itself at start-up.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
process.chdir(root);

function newest(dir) {
	let t = 0;
	for (const entry of readdirSync(dir, { withFileTypes: true })) {
		if (entry.name === 'paraglide' || entry.name === 'node_modules') continue;
		const p = path.join(dir, entry.name);
		t = Math.max(t, entry.isDirectory() ? newest(p) : statSync(p).mtimeMs);
	}
	return t;
}

const built = path.join(root, 'build', 'handler.js');
const sources = Math.max(
	newest(path.join(root, 'src')),
	newest(path.join(root, 'messages')),
	statSync('package.json').mtimeMs
);
if (!existsSync(built) || statSync(built).mtimeMs < sources) {
	console.log('Pingyi: building the app (first start or sources changed)…');
	const r = spawnSync('npm', ['run', 'build'], { stdio: 'inherit', shell: false });
	if (r.status !== 0) process.exit(r.status ?? 1);
}

const port = process.env.PORT ?? '3000';
const env = {
	...process.env,
	PORT: port,
	NODE_ENV: process.env.NODE_ENV ?? 'production',
	// Form posts are checked against ORIGIN; behind a proxy set it to the public URL (see README).
	ORIGIN: process.env.ORIGIN ?? `http://localhost:${port}`,
	// Spreadsheet and evidence uploads go up to 5–10 MB (adapter-node's default limit is 512 KB).
	BODY_SIZE_LIMIT: process.env.BODY_SIZE_LIMIT ?? '12M'
};
console.log(`Pingyi: serving on ${env.ORIGIN}`);
const child = spawn(process.execPath, [path.join(root, 'server.js')], { stdio: 'inherit', env });
for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => child.kill(sig));
child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
