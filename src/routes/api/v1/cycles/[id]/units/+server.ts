import { json } from '@sveltejs/kit';
import { z } from 'zod';
import { db } from '$lib/server/db';
import { api } from '$lib/server/http/problem';
import { readJson } from '$lib/server/http/read-body';
import { actorOf, consoleReaders, requireRole } from '$lib/server/auth/guards';
import { getCycle } from '$lib/server/cycles/cycles';
import { insertUnits, listUnits } from '$lib/server/cycles/units';
import { unitInputSchema } from '$lib/schemas/cycle';
import type { RequestHandler } from './$types';

export const GET: RequestHandler = api(async ({ locals, params }) => {
	requireRole(locals, ...consoleReaders);
	const c = await getCycle(db(), Number(params.id));
	const items = await listUnits(db(), c.id);
	return json({
		items: items.map((u) => ({
			code: u.code,
			name: u.name,
			category: u.categoryCode,
			area: u.areaCode
		}))
	});
});

/** One unit, or `{items: [...]}` for many at once (all or nothing). */
export const POST: RequestHandler = api(async ({ locals, params, request }) => {
	const u = requireRole(locals, 'admin');
	const body = await readJson(
		request,
		z.union([z.object({ items: z.array(unitInputSchema).min(1).max(2000) }), unitInputSchema]),
		2 * 1024 * 1024
	);
	const items = 'items' in body ? body.items : [body];
	const n = await db().transaction((tx) =>
		insertUnits(tx, actorOf(u), Number(params.id), items, 'api')
	);
	return json({ imported: n }, { status: 201 });
});
