import { json } from '@sveltejs/kit';
import { db } from '$lib/server/db';
import { api } from '$lib/server/http/problem';
import { readJson } from '$lib/server/http/read-body';
import { actorOf, requireRole } from '$lib/server/auth/guards';
import { sendReminders } from '$lib/server/invitations/delivery';
import { remindersSchema } from '$lib/schemas/invitation';
import type { RequestHandler } from './$types';

/** SMS reminders to people whose code is unused, at most one a day each; `reissue` sends new links. */
export const POST: RequestHandler = api(async ({ locals, params, request, url }) => {
	const u = requireRole(locals, 'admin');
	const body = await readJson(request, remindersSchema, 4 * 1024);
	const result = await sendReminders(db(), actorOf(u), params.slug, body, url.origin);
	return json(result);
});
