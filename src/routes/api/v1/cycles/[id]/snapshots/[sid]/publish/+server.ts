import { json } from '@sveltejs/kit';
import { db } from '$lib/server/db';
import { api } from '$lib/server/http/problem';
import { actorOf, requireRole } from '$lib/server/auth/guards';
import { publishSnapshot } from '$lib/server/scoring/snapshots';
import type { RequestHandler } from './$types';

/** Freezes the snapshot as published scores; 409 if it already is. */
export const POST: RequestHandler = api(async ({ locals, params }) => {
	const u = requireRole(locals, 'admin');
	const s = await publishSnapshot(db(), actorOf(u), Number(params.id), Number(params.sid));
	return json(s);
});
