import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { drizzle as drizzlePglite } from 'drizzle-orm/pglite';
import { drizzle as drizzlePostgres } from 'drizzle-orm/postgres-js';
import { migrate as migratePglite } from 'drizzle-orm/pglite/migrator';
import { migrate as migratePostgres } from 'drizzle-orm/postgres-js/migrator';
import { PGlite } from '@electric-sql/pglite';
import postgres from 'postgres';
import * as schema from './schema';

/**
 * Both drivers expose the same drizzle query API; the union type is narrowed to the PGlite flavour
 * for typing because the two are structurally identical for everything the services use.
 */
export type Db = ReturnType<typeof drizzlePglite<typeof schema>>;
export type Tx = Parameters<Parameters<Db['transaction']>[0]>[0];
/** Services take either the database or an open transaction. */
export type DbOrTx = Db | Tx;

export interface DbHandle {
	db: Db;
	driver: 'pglite' | 'postgres';
	close(): Promise<void>;
}

export interface OpenOptions {
	/** postgres:// URL; when absent PGlite is used. */
	url?: string;
	poolSize?: number;
	/** PGlite directory, or "memory://". */
	pgliteDir?: string;
	migrationsFolder?: string;
}

export function migrationsFolder(): string {
	return path.resolve(process.cwd(), 'drizzle');
}

export async function openDatabase(options: OpenOptions): Promise<DbHandle> {
	const folder = options.migrationsFolder ?? migrationsFolder();
	if (options.url) {
		const sql = postgres(options.url, {
			max: options.poolSize ?? 10,
			onnotice: () => {},
			// Connection errors surface as 503 to clients; keep retries short so requests fail fast.
			connect_timeout: 5
		});
		const db = drizzlePostgres(sql, { schema, casing: 'snake_case' });
		// drizzle makes postgres.js pass date/time values through untouched (it serialises typed columns
		// itself); a Date bound inside raw `sql` would then reach the socket as an object. PGlite accepts
		// Dates, so this keeps both drivers alike.
		const pgOptions = (
			sql as unknown as { options: { serializers: Record<number, (x: unknown) => unknown> } }
		).options;
		for (const oid of [1082, 1114, 1184]) {
			pgOptions.serializers[oid] = (x) => (x instanceof Date ? x.toISOString() : x);
		}
		await migratePostgres(db, { migrationsFolder: folder });
		return {
			db: db as unknown as Db,
			driver: 'postgres',
			close: () => sql.end({ timeout: 5 })
		};
	}
	const dir = options.pgliteDir ?? './data/pgdata';
	const inMemory = dir.startsWith('memory://');
	if (!inMemory) mkdirSync(dir, { recursive: true });
	const client = inMemory ? new PGlite() : new PGlite(dir);
	await client.waitReady;
	const db = drizzlePglite(client, { schema, casing: 'snake_case' });
	await migratePglite(db, { migrationsFolder: folder });
	return { db, driver: 'pglite', close: () => client.close() };
}
