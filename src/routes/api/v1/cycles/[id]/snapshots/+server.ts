import { json } from '@sveltejs/kit';
import { db } from '$lib/server/db';
import { api } from '$lib/server/http/problem';
import { readJson } from '$lib/server/http/read-body';
import { actorOf, requireRole } from '$lib/server/auth/guards';
import { getCycle } from '$lib/server/cycles/cycles';
import { createSnapshot, listSnapshots } from '$lib/server/scoring/snapshots';
import { createSnapshotSchema } from '$lib/schemas/scores';
import type { RequestHandler } from './$types';

/** Snapshots of the cycle, newest first, without their results (read them via `/scores`). */
export const GET: RequestHandler = api(async ({ locals, params }) => {
	requireRole(locals, 'admin', 'viewer');
	const c = await getCycle(db(), Number(params.id));
	return json({ items: await listSnapshots(db(), c.id) });
});

/** Recomputes the scores from every stored answer and keeps them: `{exclusions?}` → 201. */
export const POST: RequestHandler = api(async ({ locals, params, request }) => {
	const u = requireRole(locals, 'admin');
	// An empty body means the defaults; a body must be JSON.
	const hasBody =
		request.headers.get('content-type') !== null ||
		Number(request.headers.get('content-length') ?? '0') > 0;
	const input = hasBody
		? await readJson(request, createSnapshotSchema)
		: createSnapshotSchema.parse({});
	const s = await createSnapshot(db(), actorOf(u), Number(params.id), input);
	return json(s, { status: 201 });
});
