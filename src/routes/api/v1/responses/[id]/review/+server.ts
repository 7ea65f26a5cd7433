import { json } from '@sveltejs/kit';
import { db } from '$lib/server/db';
import { api } from '$lib/server/http/problem';
import { readJson } from '$lib/server/http/read-body';
import { actorOf, requireRole } from '$lib/server/auth/guards';
import { loadSurveyView } from '$lib/server/surveys/survey-view';
import { reviewOne, surveySlugOfSubmission } from '$lib/server/fraud/review';
import { reviewDecisionSchema } from '$lib/schemas/rule-set';
import type { RequestHandler } from './$types';

/** One submission (by its submissionId): `{decision: accept|exclude, reason}` [reviewer, admin]. */
export const POST: RequestHandler = api(async ({ locals, params, request }) => {
	const u = requireRole(locals, 'reviewer', 'admin');
	const body = await readJson(request, reviewDecisionSchema);
	const slug = await surveySlugOfSubmission(db(), params.id);
	const view = await loadSurveyView(db(), slug);
	return json(await reviewOne(db(), actorOf(u), view, params.id, body.decision, body.reason));
});
