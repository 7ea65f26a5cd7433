import { json } from '@sveltejs/kit';
import { z } from 'zod';
import { db } from '$lib/server/db';
import { api, zodFieldErrors } from '$lib/server/http/problem';
import { readJson } from '$lib/server/http/read-body';
import { actorOf, requireRole } from '$lib/server/auth/guards';
import { ValidationError } from '$lib/server/errors';
import { getSurveyBySlug, surveyToInput, updateSurvey } from '$lib/server/surveys/surveys';
import { checkSurveyReferences } from '$lib/server/surveys/survey-references';
import { forgetSurveyView } from '$lib/server/surveys/survey-view';
import { surveyInputSchema } from '$lib/schemas/survey';
import type { RequestHandler } from './$types';

/**
 * Replaces a survey's definition with a full SurveyInput. `slug` may be left out (it is the one in
 * the path) and cannot change. After publication only texts and the window may change (409 otherwise).
 */
export const PATCH: RequestHandler = api(async ({ locals, params, request }) => {
	const u = requireRole(locals, 'admin');
	const body = await readJson(request, z.record(z.string(), z.unknown()));
	if (body.slug !== undefined && body.slug !== params.slug) {
		throw new ValidationError('invalid_input', [{ path: 'slug', message: 'slug_immutable' }]);
	}
	const parsed = surveyInputSchema.safeParse({ ...body, slug: params.slug });
	if (!parsed.success) throw new ValidationError('invalid_input', zodFieldErrors(parsed.error));
	const row = await db().transaction(async (tx) => {
		const before = await getSurveyBySlug(tx, params.slug);
		// Names are checked while the survey can still change; a published one keeps what it had.
		if (before.status === 'draft') await checkSurveyReferences(tx, before.cycleId, parsed.data);
		return updateSurvey(tx, actorOf(u), params.slug, parsed.data);
	});
	forgetSurveyView(params.slug);
	return json({ ...surveyToInput(row), status: row.status });
});
