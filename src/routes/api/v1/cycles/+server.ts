import { json } from '@sveltejs/kit';
import { db } from '$lib/server/db';
import { api } from '$lib/server/http/problem';
import { readJson } from '$lib/server/http/read-body';
import { actorOf, consoleReaders, requireRole } from '$lib/server/auth/guards';
import { createCycle, listCycles } from '$lib/server/cycles/cycles';
import { cycleInputSchema } from '$lib/schemas/cycle';
import type { RequestHandler } from './$types';

export const GET: RequestHandler = api(async ({ locals }) => {
	requireRole(locals, ...consoleReaders);
	return json({ items: await listCycles(db()) });
});

export const POST: RequestHandler = api(async ({ locals, request }) => {
	const u = requireRole(locals, 'admin');
	const input = await readJson(request, cycleInputSchema);
	return json(await createCycle(db(), actorOf(u), input), { status: 201 });
});
