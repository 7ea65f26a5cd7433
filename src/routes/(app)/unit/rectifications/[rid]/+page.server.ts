import QRCode from 'qrcode';
import { db } from '$lib/server/db';
import { actorOf, requireRole } from '$lib/server/auth/guards';
import { domainFailure, formValues, zodFailure } from '$lib/server/http/form-failure';
import { ValidationError } from '$lib/server/errors';
import { idParam, orHttpError } from '$lib/server/feedback/http';
import { assertUnitScope, type FeedbackUser } from '$lib/server/feedback/access';
import {
	getRectification,
	getRectificationView,
	listEvents,
	remindRectification,
	updateRectification
} from '$lib/server/feedback/rectifications';
import { addEvidence, listEvidence, maxEvidenceBytes } from '$lib/server/feedback/evidence';
import { createFollowup, finishFollowup, getFollowup } from '$lib/server/feedback/followups';
import { listProblemTypes } from '$lib/server/feedback/problem-types';
import { unitComments } from '$lib/server/feedback/comments';
import { nextStatuses } from '$lib/feedback/rectification';
import { followupInputSchema, rectificationPatchSchema } from '$lib/schemas/feedback';
import type { Actions, PageServerLoad } from './$types';

/** The item of `rid` if the user may see it (another unit's item is a 404, like a missing one). */
async function scoped(user: FeedbackUser, rid: string) {
	const item = await getRectification(db(), idParam(rid));
	const role = assertUnitScope(user, item.unitCode);
	return { item, role };
}

export const load: PageServerLoad = async ({ locals, params, url }) => {
	const user = requireRole(locals, 'unit_liaison', 'admin');
	return orHttpError(async () => {
		const { item, role } = await scoped(user, params.rid);
		const view = await getRectificationView(db(), item.id);
		const followup = await getFollowup(db(), item.id);
		const followupUrl = followup ? `${url.origin}/s/${followup.slug}` : null;
		const qr = followupUrl ? await QRCode.toDataURL(followupUrl, { margin: 1, width: 220 }) : null;
		let sourceText: string | null = null;
		if (item.source === 'comment' && item.sourceRef) {
			const [c] = await unitComments(db(), item.cycleId, item.unitId, {
				id: Number(item.sourceRef),
				limit: 1
			});
			sourceText = c?.text ?? null;
		}
		return {
			item: view,
			role,
			events: (await listEvents(db(), item.id)).map((e) => ({
				id: e.id,
				at: e.at.toISOString(),
				kind: e.kind,
				fromStatus: e.fromStatus,
				toStatus: e.toStatus,
				note: e.note,
				actor: e.actorLabel
			})),
			evidence: (await listEvidence(db(), item.id)).map((f) => ({
				id: f.id,
				filename: f.filename,
				mime: f.mime,
				size: f.size,
				uploadedBy: f.uploadedBy,
				createdAt: f.createdAt.toISOString()
			})),
			followup,
			followupUrl,
			qr,
			sourceText,
			next: nextStatuses(item.status, role),
			types: (await listProblemTypes(db(), item.cycleId)).map((t) => ({
				code: t.code,
				name: t.name
			})),
			maxBytes: maxEvidenceBytes()
		};
	});
};

export const actions: Actions = {
	update: async ({ locals, params, request }) => {
		const user = requireRole(locals, 'unit_liaison', 'admin');
		const values = formValues(await request.formData());
		const parsed = rectificationPatchSchema.safeParse({
			typeCode: values.typeCode || undefined,
			description: values.description,
			owner: values.owner,
			plan: values.plan,
			deadline: values.deadline || undefined
		});
		if (!parsed.success) return zodFailure(parsed.error, values, 'update');
		try {
			const { item, role } = await scoped(user, params.rid);
			const patch = { ...parsed.data };
			// The deadline field is shown to units read-only; only a real change counts.
			if (role !== 'admin' || patch.deadline === item.deadline) delete patch.deadline;
			await updateRectification(db(), actorOf(user), role, item.id, patch);
		} catch (err) {
			return domainFailure(err, values, 'update');
		}
		return { saved: true };
	},
	status: async ({ locals, params, request }) => {
		const user = requireRole(locals, 'unit_liaison', 'admin');
		const values = formValues(await request.formData());
		const parsed = rectificationPatchSchema.safeParse({
			status: values.status,
			note: values.note || undefined
		});
		if (!parsed.success) return zodFailure(parsed.error, values, 'status');
		try {
			const { item, role } = await scoped(user, params.rid);
			await updateRectification(db(), actorOf(user), role, item.id, parsed.data, {
				onVerify: finishFollowup
			});
		} catch (err) {
			return domainFailure(err, values, 'status');
		}
		return { moved: values.status };
	},
	note: async ({ locals, params, request }) => {
		const user = requireRole(locals, 'unit_liaison', 'admin');
		const values = formValues(await request.formData());
		const parsed = rectificationPatchSchema.safeParse({ note: values.note });
		if (!parsed.success) return zodFailure(parsed.error, values, 'note');
		try {
			const { item, role } = await scoped(user, params.rid);
			await updateRectification(db(), actorOf(user), role, item.id, parsed.data);
		} catch (err) {
			return domainFailure(err, values, 'note');
		}
		return { noted: true };
	},
	evidence: async ({ locals, params, request }) => {
		const user = requireRole(locals, 'unit_liaison', 'admin');
		try {
			const { item } = await scoped(user, params.rid);
			const data = await request.formData();
			const file = data.get('file');
			if (!(file instanceof File) || file.size === 0) {
				throw new ValidationError('empty_file', [{ path: 'file', message: 'empty_file' }]);
			}
			await addEvidence(db(), actorOf(user), item.id, {
				name: file.name,
				bytes: new Uint8Array(await file.arrayBuffer())
			});
		} catch (err) {
			return domainFailure(err, undefined, 'evidence');
		}
		return { uploaded: true };
	},
	remind: async ({ locals, params, request }) => {
		const user = requireRole(locals, 'admin');
		const values = formValues(await request.formData());
		try {
			const { item } = await scoped(user, params.rid);
			await remindRectification(db(), actorOf(user), item.id, values.note?.slice(0, 500));
		} catch (err) {
			return domainFailure(err, values, 'remind');
		}
		return { reminded: true };
	},
	followup: async ({ locals, params, request }) => {
		const user = requireRole(locals, 'admin');
		const values = formValues(await request.formData());
		const parsed = followupInputSchema.safeParse({ question: values.question || undefined });
		if (!parsed.success) return zodFailure(parsed.error, values, 'followup');
		try {
			const { item } = await scoped(user, params.rid);
			await createFollowup(db(), actorOf(user), item.id, parsed.data);
		} catch (err) {
			return domainFailure(err, values, 'followup');
		}
		return { followup: true };
	}
};
