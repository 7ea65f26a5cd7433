import { json } from '@sveltejs/kit';
import { db } from '$lib/server/db';
import { api } from '$lib/server/http/problem';
import { actorOf, requireRole } from '$lib/server/auth/guards';
import { publishSurvey, surveyToInput } from '$lib/server/surveys/surveys';
import { forgetSurveyView } from '$lib/server/surveys/survey-view';
import type { RequestHandler } from './$types';

/** Publishing freezes the questionnaire and opens it to respondents. */
export const POST: RequestHandler = api(async ({ locals, params }) => {
	const u = requireRole(locals, 'admin');
	const s = await publishSurvey(db(), actorOf(u), params.slug);
	forgetSurveyView(params.slug);
	return json({ ...surveyToInput(s), status: s.status });
});
