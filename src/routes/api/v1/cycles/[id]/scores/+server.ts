import { json } from '@sveltejs/kit';
import { db } from '$lib/server/db';
import { api, zodFieldErrors } from '$lib/server/http/problem';
import { requireRole } from '$lib/server/auth/guards';
import { ValidationError } from '$lib/server/errors';
import { getScores, onlyUnit } from '$lib/server/scoring/report';
import { listAreas } from '$lib/server/cycles/areas';
import { namesOf, scoresCsv, scoresFilename, scoresXlsx } from '$lib/server/exports/scores';
import { scoresQuerySchema } from '$lib/schemas/scores';
import type { RequestHandler } from './$types';

/**
 * `GET /api/v1/cycles/{id}/scores?format=json|csv|xlsx&exclusions=applied|none&snapshot=live|published|{id}`
 * (DESIGN.md §12). Office readers see every unit; a unit liaison only their own. Reviewers see
 * no scores while they review.
 */
export const GET: RequestHandler = api(async ({ locals, params, url }) => {
	const u = requireRole(locals, 'admin', 'viewer', 'unit_liaison');
	const parsed = scoresQuerySchema.safeParse(Object.fromEntries(url.searchParams));
	if (!parsed.success) throw new ValidationError('invalid_query', zodFieldErrors(parsed.error));
	const q = parsed.data;
	let doc = await getScores(db(), Number(params.id), {
		snapshot: q.snapshot,
		exclusions: q.exclusions
	});
	if (u.role === 'unit_liaison') doc = onlyUnit(doc, u.unitCode);
	if (q.format === 'json') return json(doc);

	const areas = await listAreas(db(), doc.cycle.id);
	const names = namesOf(doc, Object.fromEntries(areas.map((a) => [a.code, a.name])));
	const filename = scoresFilename(doc, q.format);
	const disposition = `attachment; filename="${filename}"`;
	if (q.format === 'csv') {
		return new Response(scoresCsv(doc, names), {
			headers: { 'content-type': 'text/csv; charset=utf-8', 'content-disposition': disposition }
		});
	}
	return new Response(new Uint8Array(await scoresXlsx(doc, names)), {
		headers: {
			'content-type': 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
			'content-disposition': disposition
		}
	});
});
