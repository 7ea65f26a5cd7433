import { json } from '@sveltejs/kit';
import { db } from '$lib/server/db';
import { api } from '$lib/server/http/problem';
import { actorOf, requireRole } from '$lib/server/auth/guards';
import { assertUnitScope } from '$lib/server/feedback/access';
import { idParam } from '$lib/server/feedback/http';
import { uploadedEvidence } from '$lib/server/feedback/api';
import { getRectification } from '$lib/server/feedback/rectifications';
import { addEvidence } from '$lib/server/feedback/evidence';
import type { RequestHandler } from './$types';

/**
 * `POST /api/v1/rectifications/{id}/evidence` (multipart, field `file`) — PDF, JPEG, PNG, DOCX or
 * XLSX by content, within EVIDENCE_MAX_BYTES; executables and scripts are refused (415).
 */
export const POST: RequestHandler = api(async ({ locals, params, request }) => {
	const user = requireRole(locals, 'admin', 'unit_liaison');
	// Scope first: nothing of another unit's item is read or stored, whatever the body holds.
	const item = await getRectification(db(), idParam(params.id));
	assertUnitScope(user, item.unitCode);
	const file = await uploadedEvidence(request);
	const stored = await addEvidence(db(), actorOf(user), item.id, file);
	return json({ ...stored, createdAt: stored.createdAt.toISOString() }, { status: 201 });
});
