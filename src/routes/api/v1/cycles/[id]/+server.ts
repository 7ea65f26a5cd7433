import { json } from '@sveltejs/kit';
import { z } from 'zod';
import { db } from '$lib/server/db';
import { api } from '$lib/server/http/problem';
import { readJson } from '$lib/server/http/read-body';
import { actorOf, consoleReaders, requireRole } from '$lib/server/auth/guards';
import { getCycle, setCycleStatus, updateCycle } from '$lib/server/cycles/cycles';
import { cycleInputSchema } from '$lib/schemas/cycle';
import type { RequestHandler } from './$types';

const patchSchema = cycleInputSchema
	.partial()
	.extend({ status: z.enum(['open', 'closed']).optional() });

export const GET: RequestHandler = api(async ({ locals, params }) => {
	requireRole(locals, ...consoleReaders);
	return json(await getCycle(db(), Number(params.id)));
});

export const PATCH: RequestHandler = api(async ({ locals, params, request }) => {
	const u = requireRole(locals, 'admin');
	const { status, ...input } = await readJson(request, patchSchema);
	const id = Number(params.id);
	const result = await db().transaction(async (tx) => {
		let c = Object.keys(input).length
			? await updateCycle(tx, actorOf(u), id, input)
			: await getCycle(tx, id);
		if (status && status !== c.status) c = await setCycleStatus(tx, actorOf(u), id, status);
		return c;
	});
	return json(result);
});
