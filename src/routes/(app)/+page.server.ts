import { redirect } from '@sveltejs/kit';
import { db } from '$lib/server/db';
import { listPublicSurveys } from '$lib/server/surveys/public-surveys';
import type { PageServerLoad } from './$types';

export const load: PageServerLoad = async ({ locals }) => {
	if (locals.user) redirect(303, locals.user.role === 'unit_liaison' ? '/unit' : '/admin');
	return { surveys: await listPublicSurveys(db()) };
};
