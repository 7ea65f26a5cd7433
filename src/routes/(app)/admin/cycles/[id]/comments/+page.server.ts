import { db } from '$lib/server/db';
import { actorOf, consoleReaders, requireRole } from '$lib/server/auth/guards';
import { domainFailure, formValues, zodFailure } from '$lib/server/http/form-failure';
import { idParam, orHttpError } from '$lib/server/feedback/http';
import {
	commentCounts,
	listCycleComments,
	moderateComment,
	rerunRedaction,
	showAllPending,
	type Moderation
} from '$lib/server/feedback/comments';
import { getFeedbackSettings, saveFeedbackSettings } from '$lib/server/feedback/settings';
import { listUnits } from '$lib/server/cycles/units';
import { moderateCommentSchema } from '$lib/schemas/feedback';
import type { Actions, PageServerLoad } from './$types';

/** Moderation of residents' comments before units see them (redacted view only). */
const moderators = ['admin', 'reviewer'] as const;
const states: Moderation[] = ['pending', 'shown', 'hidden'];

export const load: PageServerLoad = async ({ locals, params, url }) => {
	const u = requireRole(locals, ...consoleReaders);
	const cycleId = idParam(params.id);
	const raw = url.searchParams.get('moderation');
	const moderation = states.includes(raw as Moderation) ? (raw as Moderation) : undefined;
	const unitCode = url.searchParams.get('unit')?.slice(0, 50) || undefined;
	const before = url.searchParams.get('before');
	return orHttpError(async () => {
		const list = await listCycleComments(db(), cycleId, {
			moderation,
			unitCode,
			before: before ? idParam(before) : undefined
		});
		return {
			...list,
			items: list.items.map((c) => ({ ...c, createdAt: c.createdAt.toISOString() })),
			counts: await commentCounts(db(), cycleId),
			settings: await getFeedbackSettings(db(), cycleId),
			units: (await listUnits(db(), cycleId)).map((x) => ({ code: x.code, name: x.name })),
			filter: { moderation: moderation ?? '', unit: unitCode ?? '' },
			canModerate: (moderators as readonly string[]).includes(u.role),
			isAdmin: u.role === 'admin'
		};
	});
};

export const actions: Actions = {
	moderate: async ({ locals, params, request }) => {
		const u = requireRole(locals, ...moderators);
		const values = formValues(await request.formData());
		const parsed = moderateCommentSchema.safeParse(values);
		const formId = `c-${values.id}`;
		if (!parsed.success) return zodFailure(parsed.error, values, formId);
		try {
			await moderateComment(
				db(),
				actorOf(u),
				idParam(params.id),
				idParam(values.id),
				parsed.data.action,
				parsed.data.reason
			);
		} catch (err) {
			return domainFailure(err, values, formId);
		}
		return { moderated: values.id };
	},
	showAll: async ({ locals, params }) => {
		const u = requireRole(locals, ...moderators);
		try {
			return { shownAll: await showAllPending(db(), actorOf(u), idParam(params.id)) };
		} catch (err) {
			return domainFailure(err, undefined, 'bulk');
		}
	},
	redactAll: async ({ locals, params }) => {
		const u = requireRole(locals, ...moderators);
		try {
			return { redacted: await rerunRedaction(db(), actorOf(u), idParam(params.id)) };
		} catch (err) {
			return domainFailure(err, undefined, 'bulk');
		}
	},
	settings: async ({ locals, params, request }) => {
		const u = requireRole(locals, 'admin');
		const values = formValues(await request.formData());
		try {
			await saveFeedbackSettings(db(), actorOf(u), idParam(params.id), {
				requireApproval: values.requireApproval === 'on'
			});
		} catch (err) {
			return domainFailure(err, values, 'settings');
		}
		return { settingsSaved: true };
	}
};
