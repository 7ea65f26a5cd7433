import { error } from '@sveltejs/kit';
import { db } from '$lib/server/db';
import { requireRole } from '$lib/server/auth/guards';
import { NotFoundError } from '$lib/server/errors';
import { unitDetail } from '$lib/server/scoring/unit-detail';
import { listAreas } from '$lib/server/cycles/areas';
import { getLocale } from '$lib/paraglide/runtime';
import type { PageServerLoad } from './$types';

export const load: PageServerLoad = async ({ locals, params }) => {
	requireRole(locals, 'admin', 'viewer');
	const cycleId = Number(params.id);
	try {
		const detail = await unitDetail(db(), cycleId, params.unit, getLocale());
		const areas = await listAreas(db(), cycleId);
		return { detail, areaNames: Object.fromEntries(areas.map((a) => [a.code, a.name])) };
	} catch (err) {
		if (err instanceof NotFoundError) error(404, 'not_found');
		throw err;
	}
};
