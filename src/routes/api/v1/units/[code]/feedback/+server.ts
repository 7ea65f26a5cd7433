import { json } from '@sveltejs/kit';
import { db } from '$lib/server/db';
import { api } from '$lib/server/http/problem';
import { requireRole } from '$lib/server/auth/guards';
import { assertUnitScope } from '$lib/server/feedback/access';
import { idParam } from '$lib/server/feedback/http';
import { unitPortal } from '$lib/server/feedback/portal';
import type { RequestHandler } from './$types';

/**
 * `GET /api/v1/units/{code}/feedback?cycle=` — the unit portal as JSON: published result, low items,
 * trend, redacted comments, rectification items and appeals. A liaison: own unit only (404 else).
 */
export const GET: RequestHandler = api(async ({ locals, params, url }) => {
	const user = requireRole(locals, 'admin', 'unit_liaison');
	assertUnitScope(user, params.code);
	const cycle = url.searchParams.get('cycle');
	return json(await unitPortal(db(), params.code, { cycleId: cycle ? idParam(cycle) : null }));
});
