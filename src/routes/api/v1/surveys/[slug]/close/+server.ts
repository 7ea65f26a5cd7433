import { json } from '@sveltejs/kit';
import { db } from '$lib/server/db';
import { api } from '$lib/server/http/problem';
import { actorOf, requireRole } from '$lib/server/auth/guards';
import { closeSurvey, surveyToInput } from '$lib/server/surveys/surveys';
import { forgetSurveyView } from '$lib/server/surveys/survey-view';
import type { RequestHandler } from './$types';

/** Closing stops submissions (410 from then on). */
export const POST: RequestHandler = api(async ({ locals, params }) => {
	const u = requireRole(locals, 'admin');
	const s = await closeSurvey(db(), actorOf(u), params.slug);
	forgetSurveyView(params.slug);
	return json({ ...surveyToInput(s), status: s.status });
});
