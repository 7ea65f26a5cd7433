import { db } from '$lib/server/db';
import { requireRole } from '$lib/server/auth/guards';
import { contentDisposition, idParam, orHttpError } from '$lib/server/feedback/http';
import { assertUnitScope } from '$lib/server/feedback/access';
import { getRectification } from '$lib/server/feedback/rectifications';
import { readEvidence } from '$lib/server/feedback/evidence';
import type { RequestHandler } from './$types';

/** An evidence file of an item the user may see; always a download, never rendered inline. */
export const GET: RequestHandler = async ({ locals, params }) => {
	const user = requireRole(locals, 'unit_liaison', 'admin');
	const { file, bytes } = await orHttpError(async () => {
		const item = await getRectification(db(), idParam(params.rid));
		assertUnitScope(user, item.unitCode);
		return readEvidence(db(), item.id, idParam(params.fid));
	});
	return new Response(new Uint8Array(bytes), {
		headers: {
			'content-type': file.mime,
			'content-length': String(bytes.length),
			'content-disposition': contentDisposition(file.filename),
			'cache-control': 'private, no-store'
		}
	});
};
