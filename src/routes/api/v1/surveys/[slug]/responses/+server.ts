import { json } from '@sveltejs/kit';
import { db } from '$lib/server/db';
import { api } from '$lib/server/http/problem';
import { requireRole } from '$lib/server/auth/guards';
import { DomainError, NotFoundError } from '$lib/server/errors';
import { loadSurveyView } from '$lib/server/surveys/survey-view';
import { listResponses } from '$lib/server/responses/list-responses';
import type { RequestHandler } from './$types';

/** `?status=&cursor=&limit=&include=ratings` [admin, reviewer] (DESIGN.md §12). */
export const GET: RequestHandler = api(async ({ locals, params, url }) => {
	requireRole(locals, 'admin', 'reviewer');
	let view;
	try {
		view = await loadSurveyView(db(), params.slug);
	} catch (err) {
		if (err instanceof NotFoundError) throw new DomainError(404, 'not_found', 'survey_not_found');
		throw err;
	}
	const cursor = Number(url.searchParams.get('cursor') ?? '');
	const limit = Number(url.searchParams.get('limit') ?? '');
	return json(
		await listResponses(db(), view, {
			status: url.searchParams.get('status') ?? undefined,
			cursor: Number.isSafeInteger(cursor) && cursor > 0 ? cursor : undefined,
			limit: Number.isSafeInteger(limit) && limit > 0 ? limit : undefined,
			includeRatings: url.searchParams.get('include') === 'ratings'
		})
	);
});
