import { error } from '@sveltejs/kit';
import { db } from '$lib/server/db';
import { actorOf, requireRole } from '$lib/server/auth/guards';
import { domainFailure, formValues, zodFailure } from '$lib/server/http/form-failure';
import { idParam, orHttpError } from '$lib/server/feedback/http';
import { portalUnitCode } from '$lib/server/feedback/access';
import { portalCycle, unitPortal } from '$lib/server/feedback/portal';
import { createAppeal } from '$lib/server/feedback/appeals';
import { listCycles } from '$lib/server/cycles/cycles';
import { listUnits } from '$lib/server/cycles/units';
import { followupCycleIds } from '$lib/server/feedback/settings';
import { appealInputSchema } from '$lib/schemas/feedback';
import type { Actions, PageServerLoad } from './$types';

/**
 * The unit portal. A liaison always sees their own unit (asking for another answers 404); the
 * office (admin) picks any unit with `?unit=CODE`. `?cycle=ID` shows an earlier cycle.
 */
export const load: PageServerLoad = async ({ locals, url }) => {
	const user = requireRole(locals, 'unit_liaison', 'admin');
	const requested = url.searchParams.get('unit');
	if (user.role === 'admin' && !requested) {
		const skip = await followupCycleIds(db());
		const latest = (await listCycles(db())).find((c) => !skip.has(c.id));
		const units = latest ? await listUnits(db(), latest.id) : [];
		return {
			picker: units.map((u) => ({ code: u.code, name: u.name })),
			portal: null,
			isAdmin: true
		};
	}
	const portal = await orHttpError(async () => {
		const code = portalUnitCode(user, requested);
		const cycle = url.searchParams.get('cycle');
		return unitPortal(db(), code, { cycleId: cycle ? idParam(cycle) : null });
	});
	return { picker: null, portal, isAdmin: user.role === 'admin' };
};

export const actions: Actions = {
	appeal: async ({ locals, request }) => {
		const user = requireRole(locals, 'unit_liaison');
		const values = formValues(await request.formData());
		const parsed = appealInputSchema.safeParse(values);
		if (!parsed.success) return zodFailure(parsed.error, values, 'appeal');
		try {
			const code = portalUnitCode(user, null);
			const { cycle } = await portalCycle(db(), code, values.cycle ? idParam(values.cycle) : null);
			await createAppeal(db(), actorOf(user), cycle.id, code, parsed.data.reason);
		} catch (err) {
			if (err instanceof Error && err.message === 'not_found') error(404, 'not_found');
			return domainFailure(err, values, 'appeal');
		}
		return { appealed: true };
	}
};
