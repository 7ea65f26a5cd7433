import { json } from '@sveltejs/kit';
import { db } from '$lib/server/db';
import { api } from '$lib/server/http/problem';
import { readJson } from '$lib/server/http/read-body';
import { actorOf, consoleReaders, requireRole } from '$lib/server/auth/guards';
import { getCycle } from '$lib/server/cycles/cycles';
import { createCategory, listCategories } from '$lib/server/cycles/categories';
import { categoryInputSchema } from '$lib/schemas/cycle';
import type { RequestHandler } from './$types';

export const GET: RequestHandler = api(async ({ locals, params }) => {
	requireRole(locals, ...consoleReaders);
	const c = await getCycle(db(), Number(params.id));
	const items = await listCategories(db(), c.id);
	return json({ items: items.map(({ code, name, weights }) => ({ code, name, weights })) });
});

export const POST: RequestHandler = api(async ({ locals, params, request }) => {
	const u = requireRole(locals, 'admin');
	const input = await readJson(request, categoryInputSchema);
	const row = await createCategory(db(), actorOf(u), Number(params.id), input);
	return json({ code: row.code, name: row.name, weights: row.weights }, { status: 201 });
});
