import { json } from '@sveltejs/kit';
import { db } from '$lib/server/db';
import { api } from '$lib/server/http/problem';
import { readJson } from '$lib/server/http/read-body';
import { actorOf, requireRole } from '$lib/server/auth/guards';
import { loadSurveyView } from '$lib/server/surveys/survey-view';
import { reviewMany } from '$lib/server/fraud/review';
import { bulkReviewSchema } from '$lib/schemas/rule-set';
import type { RequestHandler } from './$types';

/** A bulk decision `{ids | cluster, decision, reason}` [reviewer, admin]. */
export const POST: RequestHandler = api(async ({ locals, params, request }) => {
	const u = requireRole(locals, 'reviewer', 'admin');
	const body = await readJson(request, bulkReviewSchema, 1024 * 1024);
	const view = await loadSurveyView(db(), params.slug);
	const result = await reviewMany(
		db(),
		actorOf(u),
		view,
		{ ids: body.ids, cluster: body.cluster },
		body.decision,
		body.reason
	);
	return json(result);
});
