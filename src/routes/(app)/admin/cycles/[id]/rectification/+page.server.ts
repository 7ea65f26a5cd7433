import { db } from '$lib/server/db';
import { actorOf, requireRole } from '$lib/server/auth/guards';
import { domainFailure, formValues, zodFailure } from '$lib/server/http/form-failure';
import { idParam, orHttpError } from '$lib/server/feedback/http';
import { ValidationError } from '$lib/server/errors';
import {
	carryOver,
	createRectification,
	rectificationOverview,
	remindOverdue
} from '$lib/server/feedback/rectifications';
import {
	deleteProblemType,
	listProblemTypes,
	saveProblemType
} from '$lib/server/feedback/problem-types';
import { listAppeals } from '$lib/server/feedback/appeals';
import {
	followupCycleIds,
	getFeedbackSettings,
	saveFeedbackSettings
} from '$lib/server/feedback/settings';
import { listCycles } from '$lib/server/cycles/cycles';
import { listUnits } from '$lib/server/cycles/units';
import { addDays, countyToday } from '$lib/feedback/rectification';
import {
	carryOverSchema,
	feedbackSettingsSchema,
	problemTypeInputSchema,
	rectificationInputSchema
} from '$lib/schemas/feedback';
import type { Actions, PageServerLoad } from './$types';

/** Rectification is about results: the office's admins and viewers (reviewers see no scores). */
const readers = ['admin', 'viewer'] as const;

export const load: PageServerLoad = async ({ locals, params, url }) => {
	const u = requireRole(locals, ...readers);
	const cycleId = idParam(params.id);
	return orHttpError(async () => {
		const overview = await rectificationOverview(db(), cycleId);
		const status = url.searchParams.get('status') ?? '';
		const unit = url.searchParams.get('unit') ?? '';
		const type = url.searchParams.get('type') ?? '';
		const items = overview.items.filter(
			(i) =>
				(!status || i.displayStatus === status || (status === 'overdue' && i.overdue)) &&
				(!unit || i.unitCode === unit) &&
				(!type || i.typeCode === type)
		);
		const skip = await followupCycleIds(db());
		const cycles = (await listCycles(db())).filter(
			(c) => c.id !== cycleId && c.status !== 'closed' && !skip.has(c.id)
		);
		return {
			overview: { ...overview, items },
			filter: { status, unit, type },
			types: await listProblemTypes(db(), cycleId),
			units: (await listUnits(db(), cycleId)).map((x) => ({ code: x.code, name: x.name })),
			targets: cycles.map((c) => ({ id: c.id, name: c.name })),
			appeals: await listAppeals(db(), cycleId),
			settings: await getFeedbackSettings(db(), cycleId),
			isFollowupCycle: skip.has(cycleId),
			defaultDeadline: addDays(countyToday(), 30),
			today: countyToday(),
			isAdmin: u.role === 'admin'
		};
	});
};

export const actions: Actions = {
	create: async ({ locals, params, request }) => {
		const u = requireRole(locals, 'admin');
		const values = formValues(await request.formData());
		const parsed = rectificationInputSchema.safeParse({
			...values,
			source: 'manual',
			sourceRef: undefined,
			cycleId: undefined
		});
		if (!parsed.success) return zodFailure(parsed.error, values, 'create');
		if (!values.unit) {
			const field = { path: 'unit', message: 'required' };
			return domainFailure(new ValidationError('invalid_input', [field]), values, 'create');
		}
		try {
			const r = await createRectification(
				db(),
				actorOf(u),
				{ cycleId: idParam(params.id), unitCode: values.unit ?? '' },
				parsed.data
			);
			return { created: r.id };
		} catch (err) {
			return domainFailure(err, values, 'create');
		}
	},
	remindOverdue: async ({ locals, params }) => {
		const u = requireRole(locals, 'admin');
		try {
			return { remindedAll: await remindOverdue(db(), actorOf(u), idParam(params.id)) };
		} catch (err) {
			return domainFailure(err, undefined, 'remind');
		}
	},
	carryOver: async ({ locals, params, request }) => {
		const u = requireRole(locals, 'admin');
		const values = formValues(await request.formData());
		const parsed = carryOverSchema.safeParse(values);
		if (!parsed.success) return zodFailure(parsed.error, values, 'carry');
		try {
			const r = await carryOver(db(), actorOf(u), idParam(params.id), parsed.data.targetCycleId);
			return { carried: r.created.length, skipped: r.skipped.length };
		} catch (err) {
			return domainFailure(err, values, 'carry');
		}
	},
	saveType: async ({ locals, params, request }) => {
		const u = requireRole(locals, 'admin');
		const values = formValues(await request.formData());
		const parsed = problemTypeInputSchema.safeParse(values);
		if (!parsed.success) return zodFailure(parsed.error, values, 'type');
		try {
			await saveProblemType(db(), actorOf(u), idParam(params.id), parsed.data);
		} catch (err) {
			return domainFailure(err, values, 'type');
		}
		return { typeSaved: true };
	},
	deleteType: async ({ locals, params, request }) => {
		const u = requireRole(locals, 'admin');
		const values = formValues(await request.formData());
		try {
			await deleteProblemType(db(), actorOf(u), idParam(params.id), values.code ?? '');
		} catch (err) {
			return domainFailure(err, values, 'type');
		}
		return { typeDeleted: true };
	},
	settings: async ({ locals, params, request }) => {
		const u = requireRole(locals, 'admin');
		const values = formValues(await request.formData());
		const parsed = feedbackSettingsSchema.pick({ appealDays: true }).safeParse(values);
		if (!parsed.success) return zodFailure(parsed.error, values, 'settings');
		try {
			await saveFeedbackSettings(db(), actorOf(u), idParam(params.id), parsed.data);
		} catch (err) {
			return domainFailure(err, values, 'settings');
		}
		return { settingsSaved: true };
	}
};
