import { json } from '@sveltejs/kit';
import { db } from '$lib/server/db';
import { api } from '$lib/server/http/problem';
import { readJson } from '$lib/server/http/read-body';
import { actorOf, requireRole } from '$lib/server/auth/guards';
import { createUser, listUsers } from '$lib/server/users/users';
import { createUserSchema } from '$lib/schemas/user';
import type { RequestHandler } from './$types';

export const GET: RequestHandler = api(async ({ locals }) => {
	requireRole(locals, 'admin');
	return json({ items: await listUsers(db()) });
});

export const POST: RequestHandler = api(async ({ locals, request }) => {
	const u = requireRole(locals, 'admin');
	const input = await readJson(request, createUserSchema);
	const created = await createUser(db(), actorOf(u), input);
	return json(created, { status: 201 });
});
