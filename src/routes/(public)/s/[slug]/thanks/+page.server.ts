import { error } from '@sveltejs/kit';
import { db } from '$lib/server/db';
import { loadSurveyView } from '$lib/server/surveys/survey-view';
import { NotFoundError } from '$lib/server/errors';
import type { PageServerLoad } from './$types';

export const csr = false;

export const load: PageServerLoad = async ({ params, url }) => {
	let title: string;
	try {
		const view = await loadSurveyView(db(), params.slug);
		if (view.survey.status === 'draft') error(404, 'survey_not_found');
		title = view.survey.title;
	} catch (err) {
		if (err instanceof NotFoundError) error(404, 'survey_not_found');
		throw err;
	}
	const r = url.searchParams.get('r') ?? '';
	return { title, slug: params.slug, receipt: /^[A-Z2-9]{5}-[A-Z2-9]{5}$/.test(r) ? r : null };
};
