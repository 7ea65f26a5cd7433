import { redirect } from '@sveltejs/kit';
import { db } from '$lib/server/db';
import { actorOf, requireRole } from '$lib/server/auth/guards';
import { domainFailure, formValues, zodFailure } from '$lib/server/http/form-failure';
import { idParam, orHttpError } from '$lib/server/feedback/http';
import { portalUnitCode } from '$lib/server/feedback/access';
import { lowItemsOf, portalCycle, unitPortal } from '$lib/server/feedback/portal';
import { unitComments } from '$lib/server/feedback/comments';
import { createRectification } from '$lib/server/feedback/rectifications';
import { listProblemTypes } from '$lib/server/feedback/problem-types';
import { addDays, countyToday, rectificationSources } from '$lib/feedback/rectification';
import { rectificationInputSchema } from '$lib/schemas/feedback';
import type { RectificationSource } from '$lib/feedback/rectification';
import type { Actions, PageServerLoad } from './$types';

/**
 * A new rectification item for the unit, opened from a low item (`?source=low_score&ref=group:x`),
 * a comment (`?source=comment&ref=<id>`) or blank. The item page follows on success.
 */
export const load: PageServerLoad = async ({ locals, url }) => {
	const user = requireRole(locals, 'unit_liaison', 'admin');
	return orHttpError(async () => {
		const code = portalUnitCode(user, url.searchParams.get('unit'));
		const cycleParam = url.searchParams.get('cycle');
		const cycleId = cycleParam ? idParam(cycleParam) : null;
		const { cycle } = await portalCycle(db(), code, cycleId);
		const raw = url.searchParams.get('source') ?? 'manual';
		const source: RectificationSource = (rectificationSources as readonly string[]).includes(raw)
			? (raw as RectificationSource)
			: 'manual';
		const ref = url.searchParams.get('ref')?.slice(0, 100) ?? '';
		let lowItem = null;
		let comment = null;
		let suggestion = '';
		let unitName = code;
		if (source === 'low_score') {
			const portal = await unitPortal(db(), code, { cycleId: cycle.id });
			unitName = portal.unit.name;
			const all = portal.published ? lowItemsOf(portal.published.groups, portal.areas, 1000) : [];
			lowItem = all.find((l) => l.ref === ref) ?? null;
			if (lowItem) {
				suggestion = `${lowItem.kind === 'group' ? lowItem.label : `${lowItem.groupLabel}·${lowItem.label}`} ${lowItem.score.toFixed(2)}`;
			}
		} else if (source === 'comment' && /^[1-9][0-9]{0,15}$/.test(ref)) {
			[comment] = await unitComments(db(), cycle.id, cycle.unitId, { id: Number(ref), limit: 1 });
			if (comment) suggestion = comment.text.slice(0, 500);
		}
		const types = await listProblemTypes(db(), cycle.id);
		return {
			unit: { code, name: unitName },
			cycle: { id: cycle.id, name: cycle.name },
			source,
			ref: lowItem || comment ? ref : '',
			lowItem,
			comment,
			suggestion,
			types: types.map((t) => ({ code: t.code, name: t.name })),
			defaultDeadline: addDays(countyToday(), 30),
			today: countyToday(),
			isAdmin: user.role === 'admin'
		};
	});
};

export const actions: Actions = {
	default: async ({ locals, request }) => {
		const user = requireRole(locals, 'unit_liaison', 'admin');
		const values = formValues(await request.formData());
		const parsed = rectificationInputSchema.safeParse({
			...values,
			sourceRef: values.sourceRef || undefined,
			cycleId: undefined
		});
		if (!parsed.success) return zodFailure(parsed.error, values, 'create');
		let id: number;
		try {
			const code = portalUnitCode(user, values.unit || null);
			const { cycle } = await portalCycle(db(), code, values.cycle ? idParam(values.cycle) : null);
			const created = await createRectification(
				db(),
				actorOf(user),
				{ cycleId: cycle.id, unitCode: code },
				parsed.data
			);
			id = created.id;
		} catch (err) {
			return domainFailure(err, values, 'create');
		}
		redirect(303, `/unit/rectifications/${id}`);
	}
};
