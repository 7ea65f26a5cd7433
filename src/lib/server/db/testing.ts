import { randomBytes } from 'node:crypto';
import postgres from 'postgres';
import { openDatabase, type DbHandle } from './client';

/**
 * A fresh, migrated database for one test file: in-memory PGlite by default, or a new database on
 * the PostgreSQL server named by TEST_DATABASE_URL (created here and dropped by `close`).
 */
export async function createTestDb(): Promise<DbHandle> {
	const url = process.env.TEST_DATABASE_URL;
	if (!url) return openDatabase({ pgliteDir: 'memory://' });
	const { name, dbUrl, drop } = await createPostgresTestDatabase(url);
	const handle = await openDatabase({ url: dbUrl, poolSize: 4 });
	void name;
	return {
		...handle,
		close: async () => {
			await handle.close();
			await drop();
		}
	};
}

/** Creates an empty database next to the one in `adminUrl`; `drop` removes it. */
export async function createPostgresTestDatabase(adminUrl: string) {
	const name = `pingyi_t_${randomBytes(6).toString('hex')}`;
	const admin = postgres(adminUrl, { max: 1, onnotice: () => {} });
	await admin.unsafe(`create database ${name}`);
	await admin.end();
	const u = new URL(adminUrl);
	u.pathname = `/${name}`;
	return {
		name,
		dbUrl: u.toString(),
		drop: async () => {
			const a = postgres(adminUrl, { max: 1, onnotice: () => {} });
			await a.unsafe(`drop database if exists ${name} with (force)`);
			await a.end();
		}
	};
}
