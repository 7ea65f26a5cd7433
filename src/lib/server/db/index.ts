import { env } from '../env';
import { logger } from '../logger';
import { openDatabase, type Db, type DbHandle } from './client';

let handle: DbHandle | undefined;
let opening: Promise<DbHandle> | undefined;

/**
 * The process-wide database, opened on first use (never at import time, so `vite build` does not
 * open it) and closed when adapter-node shuts down.
 */
export async function connectDatabase(): Promise<DbHandle> {
	if (handle) return handle;
	opening ??= (async () => {
		const e = env();
		const h = await openDatabase({
			url: e.DATABASE_URL,
			poolSize: e.DATABASE_POOL_SIZE,
			pgliteDir: e.PGLITE_DIR
		});
		logger.info(
			{ driver: h.driver, dir: h.driver === 'pglite' ? e.PGLITE_DIR : undefined },
			'database ready'
		);
		handle = h;
		return h;
	})();
	return opening;
}

/** The open database; only valid after `connectDatabase()` resolved (the server init hook does that). */
export function db(): Db {
	if (!handle) throw new Error('database not connected');
	return handle.db;
}

export function databaseDriver(): 'pglite' | 'postgres' | undefined {
	return handle?.driver;
}

export async function closeDatabase(): Promise<void> {
	const h = handle;
	handle = undefined;
	opening = undefined;
	if (h) await h.close();
}
