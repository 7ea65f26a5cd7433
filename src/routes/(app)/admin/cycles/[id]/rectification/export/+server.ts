import { db } from '$lib/server/db';
import { requireRole } from '$lib/server/auth/guards';
import { idParam, orHttpError } from '$lib/server/feedback/http';
import { getCycle } from '$lib/server/cycles/cycles';
import { rectificationOverview } from '$lib/server/feedback/rectifications';
import { rectificationFilename, rectificationXlsx } from '$lib/server/feedback/export';
import type { RequestHandler } from './$types';

/** The cycle's rectification items and counts as XLSX (safe cells). */
export const GET: RequestHandler = async ({ locals, params }) => {
	requireRole(locals, 'admin', 'viewer');
	const { cycle, overview } = await orHttpError(async () => {
		const c = await getCycle(db(), idParam(params.id));
		return { cycle: c, overview: await rectificationOverview(db(), c.id) };
	});
	const body = await rectificationXlsx(cycle.name, overview);
	return new Response(new Uint8Array(body), {
		headers: {
			'content-type': 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
			'content-disposition': `attachment; filename="${rectificationFilename(cycle.year)}"`
		}
	});
};
