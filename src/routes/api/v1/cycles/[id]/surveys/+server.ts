import { json } from '@sveltejs/kit';
import { db } from '$lib/server/db';
import { api } from '$lib/server/http/problem';
import { readJson } from '$lib/server/http/read-body';
import { actorOf, consoleReaders, requireRole } from '$lib/server/auth/guards';
import { getCycle } from '$lib/server/cycles/cycles';
import { insertSurvey, listSurveys, surveyToInput } from '$lib/server/surveys/surveys';
import { surveyInputSchema } from '$lib/schemas/survey';
import type { RequestHandler } from './$types';

export const GET: RequestHandler = api(async ({ locals, params }) => {
	requireRole(locals, ...consoleReaders);
	const c = await getCycle(db(), Number(params.id));
	const items = await listSurveys(db(), c.id);
	return json({ items: items.map((s) => ({ ...surveyToInput(s), status: s.status })) });
});

export const POST: RequestHandler = api(async ({ locals, params, request }) => {
	const u = requireRole(locals, 'admin');
	const input = await readJson(request, surveyInputSchema);
	const row = await insertSurvey(db(), actorOf(u), Number(params.id), input);
	return json({ ...surveyToInput(row), status: row.status }, { status: 201 });
});
