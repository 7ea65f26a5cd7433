import { json } from '@sveltejs/kit';
import { db } from '$lib/server/db';
import { api } from '$lib/server/http/problem';
import { readJson } from '$lib/server/http/read-body';
import { actorOf, requireRole } from '$lib/server/auth/guards';
import { assertUnitScope } from '$lib/server/feedback/access';
import { idParam } from '$lib/server/feedback/http';
import { portalCycle } from '$lib/server/feedback/portal';
import { createRectification, listRectifications } from '$lib/server/feedback/rectifications';
import { rectificationInputSchema } from '$lib/schemas/feedback';
import type { DisplayStatus } from '$lib/feedback/rectification';
import type { RequestHandler } from './$types';

const statuses = ['open', 'in_progress', 'done', 'verified', 'overdue'];

/** `GET /api/v1/units/{code}/rectifications?cycle=&status=` — the unit's items of a cycle. */
export const GET: RequestHandler = api(async ({ locals, params, url }) => {
	const user = requireRole(locals, 'admin', 'unit_liaison');
	assertUnitScope(user, params.code);
	const c = url.searchParams.get('cycle');
	const { cycle } = await portalCycle(db(), params.code, c ? idParam(c) : null);
	const s = url.searchParams.get('status');
	const items = await listRectifications(db(), {
		cycleId: cycle.id,
		unitCode: params.code,
		status: s && statuses.includes(s) ? (s as DisplayStatus) : undefined
	});
	return json({ cycle: { id: cycle.id, name: cycle.name, year: cycle.year }, items });
});

/** `POST /api/v1/units/{code}/rectifications` — a new item (cycle: `cycleId` or the latest). */
export const POST: RequestHandler = api(async ({ locals, params, request }) => {
	const user = requireRole(locals, 'admin', 'unit_liaison');
	assertUnitScope(user, params.code);
	const input = await readJson(request, rectificationInputSchema);
	const { cycle } = await portalCycle(db(), params.code, input.cycleId ?? null);
	const item = await createRectification(
		db(),
		actorOf(user),
		{ cycleId: cycle.id, unitCode: params.code },
		input
	);
	return json(item, { status: 201 });
});
