import { json } from '@sveltejs/kit';
import { db } from '$lib/server/db';
import { api } from '$lib/server/http/problem';
import { requireRole } from '$lib/server/auth/guards';
import { getSurveyBySlug } from '$lib/server/surveys/surveys';
import { stampAnsweredDays } from '$lib/server/invitations/rosters';
import { invitationStats } from '$lib/server/invitations/stats';
import type { RequestHandler } from './$types';

/** Issued / answered per group and subgroup (from the codes' absence) and answered by day. */
export const GET: RequestHandler = api(async ({ locals, params }) => {
	requireRole(locals, 'admin', 'viewer');
	const s = await getSurveyBySlug(db(), params.slug);
	// The daily batch, lazily: a no-op once today's run has happened.
	await stampAnsweredDays(db());
	return json(await invitationStats(db(), s));
});
