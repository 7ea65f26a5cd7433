import { json } from '@sveltejs/kit';
import { db } from '$lib/server/db';
import { api } from '$lib/server/http/problem';
import { readJson } from '$lib/server/http/read-body';
import { actorOf, requireRole } from '$lib/server/auth/guards';
import { deleteUser, getUser, updateUser } from '$lib/server/users/users';
import { updateUserSchema } from '$lib/schemas/user';
import type { RequestHandler } from './$types';

export const GET: RequestHandler = api(async ({ locals, params }) => {
	requireRole(locals, 'admin');
	return json(await getUser(db(), Number(params.id)));
});

export const PATCH: RequestHandler = api(async ({ locals, params, request }) => {
	const u = requireRole(locals, 'admin');
	const input = await readJson(request, updateUserSchema);
	return json(await updateUser(db(), actorOf(u), Number(params.id), input));
});

export const DELETE: RequestHandler = api(async ({ locals, params }) => {
	const u = requireRole(locals, 'admin');
	await deleteUser(db(), actorOf(u), Number(params.id));
	return new Response(null, { status: 204 });
});
