import { json } from '@sveltejs/kit';
import { db } from '$lib/server/db';
import { api } from '$lib/server/http/problem';
import { consoleReaders, requireRole } from '$lib/server/auth/guards';
import { loadSurveyView } from '$lib/server/surveys/survey-view';
import { listAlerts } from '$lib/server/fraud/queue';
import type { RequestHandler } from './$types';

/** Window-detector alerts of a survey (evidence as counts and shares, never network data). */
export const GET: RequestHandler = api(async ({ locals, params }) => {
	requireRole(locals, ...consoleReaders);
	const view = await loadSurveyView(db(), params.slug);
	const items = await listAlerts(db(), view);
	return json({
		items: items.map((a) => ({
			id: a.id,
			unit: a.unit,
			detector: a.detector,
			windowStart: a.windowStart,
			windowEnd: a.windowEnd,
			observed: a.observed,
			expected: a.expected,
			evidence: a.evidence
		}))
	});
});
