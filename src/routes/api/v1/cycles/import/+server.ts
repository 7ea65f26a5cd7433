import { json } from '@sveltejs/kit';
import { db } from '$lib/server/db';
import { api } from '$lib/server/http/problem';
import { readJson } from '$lib/server/http/read-body';
import { actorOf, requireRole } from '$lib/server/auth/guards';
import { importCycle } from '$lib/server/cycles/cycle-document';
import { cycleDocumentSchema } from '$lib/schemas/cycle-document';
import type { RequestHandler } from './$types';

/** A whole cycle as one document; 400 lists every problem and nothing is created. */
export const POST: RequestHandler = api(async ({ locals, request }) => {
	const u = requireRole(locals, 'admin');
	const doc = await readJson(request, cycleDocumentSchema, 5 * 1024 * 1024);
	const cycleId = await importCycle(db(), actorOf(u), doc);
	return json({ cycleId }, { status: 201 });
});
