import { json } from '@sveltejs/kit';
import { db } from '$lib/server/db';
import { api } from '$lib/server/http/problem';
import { readJson } from '$lib/server/http/read-body';
import { actorOf, consoleReaders, requireRole } from '$lib/server/auth/guards';
import { getCycle } from '$lib/server/cycles/cycles';
import { listGroups, upsertGroup } from '$lib/server/cycles/groups';
import { groupInputSchema } from '$lib/schemas/cycle';
import type { RequestHandler } from './$types';

export const GET: RequestHandler = api(async ({ locals, params }) => {
	requireRole(locals, ...consoleReaders);
	const c = await getCycle(db(), Number(params.id));
	const items = await listGroups(db(), c.id);
	return json({
		items: items.map(({ code, label, identity, minValid, subgroups }) => ({
			code,
			label,
			identity,
			minValid,
			subgroups
		}))
	});
});

/** Creates a group, or updates the one with the same code. */
export const POST: RequestHandler = api(async ({ locals, params, request }) => {
	const u = requireRole(locals, 'admin');
	const input = await readJson(request, groupInputSchema);
	const row = await upsertGroup(db(), actorOf(u), Number(params.id), input);
	return json(
		{ code: row.code, label: row.label, identity: row.identity, minValid: row.minValid },
		{ status: 201 }
	);
});
