import { error } from '@sveltejs/kit';
import { db } from '$lib/server/db';
import { consoleReaders, requireRole } from '$lib/server/auth/guards';
import { NotFoundError } from '$lib/server/errors';
import { getSurveyBySlug } from '$lib/server/surveys/surveys';
import { surveyMonitor } from '$lib/server/surveys/monitor';
import type { PageServerLoad } from './$types';

export const load: PageServerLoad = async ({ locals, params, depends }) => {
	requireRole(locals, ...consoleReaders);
	// The page re-runs this load every 30 s through invalidate('app:survey-monitor').
	depends('app:survey-monitor');
	let s;
	try {
		s = await getSurveyBySlug(db(), params.slug);
	} catch (err) {
		if (err instanceof NotFoundError) error(404, 'not_found');
		throw err;
	}
	if (s.cycleId !== Number(params.id)) error(404, 'not_found');
	return {
		survey: { slug: s.slug, title: s.title, status: s.status },
		monitor: await surveyMonitor(db(), s),
		at: new Date()
	};
};
