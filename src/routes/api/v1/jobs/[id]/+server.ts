import { json } from '@sveltejs/kit';
import { db } from '$lib/server/db';
import { api } from '$lib/server/http/problem';
import { requireRole } from '$lib/server/auth/guards';
import { getJob } from '$lib/server/fraud/jobs';
import type { RequestHandler } from './$types';

/** A long-running job's progress and, when done, its result [admin, reviewer]. */
export const GET: RequestHandler = api(async ({ locals, params }) => {
	requireRole(locals, 'admin', 'reviewer');
	return json({ job: await getJob(db(), params.id) });
});
