import { sql } from 'drizzle-orm';
import { db, databaseDriver } from '$lib/server/db';
import type { RequestHandler } from './$types';

/** Readiness: the database answers a query. */
export const GET: RequestHandler = async () => {
	try {
		await db().execute(sql`select 1`);
		return new Response(JSON.stringify({ status: 'ready', database: databaseDriver() }), {
			headers: { 'content-type': 'application/json' }
		});
	} catch {
		return new Response(JSON.stringify({ status: 'unavailable' }), {
			status: 503,
			headers: { 'content-type': 'application/json', 'retry-after': '5' }
		});
	}
};
