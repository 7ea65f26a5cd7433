/**
 * `npm run restore -- FILE [--to TARGET]`: restores a backup made by `npm run backup`.
 * A `.dump` goes into the PostgreSQL database TARGET (default DATABASE_URL) with pg_restore --clean;
 * a `.pglite.tar.gz` becomes the PGlite directory TARGET (default PGLITE_DIR), which must not exist.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { PGlite } from '@electric-sql/pglite';

const args = process.argv.slice(2);
const file = args.find((a) => !a.startsWith('--') && args[args.indexOf(a) - 1] !== '--to');
const to = args.includes('--to') ? args[args.indexOf('--to') + 1] : undefined;

async function main() {
	if (!file || !existsSync(file)) throw new Error('usage: npm run restore -- FILE [--to TARGET]');
	if (file.endsWith('.dump')) {
		const url = to ?? process.env.DATABASE_URL;
		if (!url) throw new Error('set DATABASE_URL or pass --to postgres://…');
		execFileSync('pg_restore', ['--clean', '--if-exists', '--no-owner', '-d', url, file], {
			stdio: 'inherit'
		});
		console.log(`restored into ${url.replace(/\/\/[^@]*@/, '//')}`);
		return;
	}
	const dir = to ?? process.env.PGLITE_DIR ?? './data/pgdata';
	if (existsSync(dir)) {
		throw new Error(`${dir} exists: move it away first (nothing is overwritten)`);
	}
	const blob = new Blob([readFileSync(file)]);
	const db = await PGlite.create(dir, { loadDataDir: blob });
	await db.close();
	console.log(`restored into ${dir}`);
}

main().catch((err) => {
	console.error(err instanceof Error ? err.message : err);
	process.exit(1);
});
