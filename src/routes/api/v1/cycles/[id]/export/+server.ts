import { json } from '@sveltejs/kit';
import { db } from '$lib/server/db';
import { api } from '$lib/server/http/problem';
import { consoleReaders, requireRole } from '$lib/server/auth/guards';
import { exportCycle } from '$lib/server/cycles/cycle-document';
import type { RequestHandler } from './$types';

export const GET: RequestHandler = api(async ({ locals, params, url }) => {
	requireRole(locals, ...consoleReaders);
	const doc = await exportCycle(db(), Number(params.id));
	const headers: Record<string, string> = {};
	if (url.searchParams.get('download') === '1') {
		headers['content-disposition'] = `attachment; filename="cycle-${doc.cycle.year}.json"`;
	}
	return json(doc, { headers });
});
