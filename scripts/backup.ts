/**
 * `npm run backup [-- --out DIR]`: a consistent copy of the database.
 * PostgreSQL (DATABASE_URL set): `pg_dump -Fc`, safe while the app runs.
 * PGlite (embedded): a gzipped data-directory dump; stop the app first (PGlite is single-process).
 * `npm run restore -- FILE [--to DIR|URL]` puts one back (see README "Backups").
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { PGlite } from '@electric-sql/pglite';

const args = process.argv.slice(2);
const outDir = args.includes('--out') ? args[args.indexOf('--out') + 1] : 'backups';
const stamp = new Date().toISOString().replace(/[:.]/g, '-');
mkdirSync(outDir, { recursive: true });

async function main() {
	const url = process.env.DATABASE_URL;
	if (url) {
		const file = path.join(outDir, `pingyi-${stamp}.dump`);
		execFileSync('pg_dump', ['-Fc', '--no-owner', '-f', file, url], { stdio: 'inherit' });
		console.log(`backup written: ${file}`);
		return;
	}
	const dir = process.env.PGLITE_DIR ?? './data/pgdata';
	if (!existsSync(dir)) throw new Error(`no PGlite database at ${dir}`);
	const db = new PGlite(dir);
	await db.waitReady;
	const blob = await db.dumpDataDir('gzip');
	await db.close();
	const file = path.join(outDir, `pingyi-${stamp}.pglite.tar.gz`);
	writeFileSync(file, Buffer.from(await blob.arrayBuffer()));
	console.log(`backup written: ${file}`);
}

main().catch((err) => {
	console.error(err instanceof Error ? err.message : err);
	process.exit(1);
});
