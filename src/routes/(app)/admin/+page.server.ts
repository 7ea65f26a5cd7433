import { db } from '$lib/server/db';
import { consoleReaders, requireRole } from '$lib/server/auth/guards';
import { listCycles } from '$lib/server/cycles/cycles';
import { listSurveys } from '$lib/server/surveys/surveys';
import type { PageServerLoad } from './$types';

export const load: PageServerLoad = async ({ locals }) => {
	requireRole(locals, ...consoleReaders);
	const cycles = await listCycles(db());
	const current = cycles.find((c) => c.status === 'open') ?? cycles[0] ?? null;
	const surveys = current ? await listSurveys(db(), current.id) : [];
	return {
		current,
		surveys: surveys.map((s) => ({ slug: s.slug, title: s.title, status: s.status }))
	};
};
