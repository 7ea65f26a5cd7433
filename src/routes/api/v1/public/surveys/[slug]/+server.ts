import { json } from '@sveltejs/kit';
import { db } from '$lib/server/db';
import { api } from '$lib/server/http/problem';
import { DomainError, NotFoundError } from '$lib/server/errors';
import { loadSurveyView, surveyState } from '$lib/server/surveys/survey-view';
import { issueStart, publicDefinition } from '$lib/server/responses/respondent-page';
import { getLocale } from '$lib/paraglide/runtime';
import type { RequestHandler } from './$types';

/** The survey as a client renders it, with a fresh start token and proof-of-work challenge. */
export const GET: RequestHandler = api(async ({ params }) => {
	let view;
	try {
		view = await loadSurveyView(db(), params.slug);
	} catch (err) {
		if (err instanceof NotFoundError) throw new DomainError(404, 'not_found', 'survey_not_found');
		throw err;
	}
	const state = surveyState(view.survey);
	if (state === 'draft') throw new DomainError(404, 'not_found', 'survey_not_found');
	if (state === 'closed') throw new DomainError(410, 'gone', 'survey_closed');
	if (state === 'not_yet_open') throw new DomainError(403, 'not_open', 'survey_not_open_yet');
	const start = issueStart(view.survey.id);
	const { askArea, askServiceUse, unitComments, generalComment, access, ...survey } =
		publicDefinition(view, getLocale() === 'en' ? 'en' : 'zh');
	return json(
		{
			survey: {
				...survey,
				options: { askArea, askServiceUse, unitComments, generalComment, access }
			},
			start
		},
		{ headers: { 'cache-control': 'no-store' } }
	);
});
