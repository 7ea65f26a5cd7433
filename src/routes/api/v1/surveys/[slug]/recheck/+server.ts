import { json } from '@sveltejs/kit';
import { db } from '$lib/server/db';
import { api } from '$lib/server/http/problem';
import { actorOf, requireRole } from '$lib/server/auth/guards';
import { startRecheckJob } from '$lib/server/fraud/recheck';
import { waitForJob } from '$lib/server/fraud/jobs';
import type { RequestHandler } from './$types';

/**
 * The retrospective pass [admin]: 202 with a job to poll at /api/v1/jobs/{id}, or with `?wait=true`
 * 200 with the finished job (its `result` is the summary of changed decisions).
 */
export const POST: RequestHandler = api(async ({ locals, params, url }) => {
	const u = requireRole(locals, 'admin');
	const id = await startRecheckJob(db(), params.slug, actorOf(u));
	if (url.searchParams.get('wait') === 'true') {
		const job = await waitForJob(db(), id);
		return json({ job }, { status: job.status === 'running' ? 202 : 200 });
	}
	return json(
		{ job: { id, status: 'running' } },
		{ status: 202, headers: { location: `/api/v1/jobs/${id}` } }
	);
});
