import type { DbOrTx } from '../db/client';
import { DomainError } from '../errors';
import { readLimited } from '../http/read-body';
import type { FeedbackUser } from './access';
import { assertUnitScope } from './access';
import { getRectification, getRectificationView, listEvents } from './rectifications';
import { listEvidence, maxEvidenceBytes } from './evidence';
import { getFollowup } from './followups';

/** An item with its history, evidence list and follow-up, as the API returns it. */
export async function rectificationDocument(db: DbOrTx, user: FeedbackUser, id: number) {
	const item = await getRectification(db, id);
	assertUnitScope(user, item.unitCode);
	return {
		...(await getRectificationView(db, item.id)),
		events: (await listEvents(db, item.id)).map((e) => ({
			at: e.at.toISOString(),
			kind: e.kind,
			fromStatus: e.fromStatus,
			toStatus: e.toStatus,
			note: e.note,
			actor: e.actorLabel
		})),
		evidence: (await listEvidence(db, item.id)).map((f) => ({
			id: f.id,
			filename: f.filename,
			mime: f.mime,
			size: f.size,
			sha256: f.sha256,
			uploadedBy: f.uploadedBy,
			createdAt: f.createdAt.toISOString()
		})),
		followup: await getFollowup(db, item.id)
	};
}

/**
 * The `file` part of a multipart upload, read within the evidence limit (plus room for the
 * multipart framing): 415 for another content type, 413 past the limit, 400 without a file.
 */
export async function uploadedEvidence(
	request: Request
): Promise<{ name: string; bytes: Uint8Array }> {
	const type = request.headers.get('content-type') ?? '';
	if (!/^multipart\/form-data\s*;/i.test(type)) {
		throw new DomainError(415, 'unsupported_media_type', 'expected multipart/form-data');
	}
	const raw = await readLimited(request, maxEvidenceBytes() + 64 * 1024);
	let form: FormData;
	try {
		form = await new Response(new Uint8Array(raw), {
			headers: { 'content-type': type }
		}).formData();
	} catch {
		throw new DomainError(400, 'validation', 'malformed_form', [
			{ path: '(body)', message: 'malformed_form' }
		]);
	}
	const file = form.get('file');
	if (!(file instanceof File)) {
		throw new DomainError(400, 'validation', 'file_required', [
			{ path: 'file', message: 'required' }
		]);
	}
	return { name: file.name, bytes: new Uint8Array(await file.arrayBuffer()) };
}
