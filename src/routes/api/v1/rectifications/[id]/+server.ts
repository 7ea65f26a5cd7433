import { json } from '@sveltejs/kit';
import { db } from '$lib/server/db';
import { api } from '$lib/server/http/problem';
import { readJson } from '$lib/server/http/read-body';
import { actorOf, requireRole } from '$lib/server/auth/guards';
import { assertUnitScope } from '$lib/server/feedback/access';
import { idParam } from '$lib/server/feedback/http';
import { rectificationDocument } from '$lib/server/feedback/api';
import { getRectification, updateRectification } from '$lib/server/feedback/rectifications';
import { finishFollowup } from '$lib/server/feedback/followups';
import { rectificationPatchSchema } from '$lib/schemas/feedback';
import type { RequestHandler } from './$types';

/** `GET /api/v1/rectifications/{id}` — an item with history, evidence and follow-up. */
export const GET: RequestHandler = api(async ({ locals, params }) => {
	const user = requireRole(locals, 'admin', 'unit_liaison');
	return json(await rectificationDocument(db(), user, idParam(params.id)));
});

/**
 * `PATCH /api/v1/rectifications/{id}` — edit fields, move the status (open → in_progress → done →
 * verified; the office verifies), add a note. Another unit's item answers 404.
 */
export const PATCH: RequestHandler = api(async ({ locals, params, request }) => {
	const user = requireRole(locals, 'admin', 'unit_liaison');
	const item = await getRectification(db(), idParam(params.id));
	const role = assertUnitScope(user, item.unitCode);
	const patch = await readJson(request, rectificationPatchSchema);
	await updateRectification(db(), actorOf(user), role, item.id, patch, {
		onVerify: finishFollowup
	});
	return json(await rectificationDocument(db(), user, item.id));
});
