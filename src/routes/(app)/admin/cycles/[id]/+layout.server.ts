import { db } from '$lib/server/db';
import { consoleReaders, requireRole } from '$lib/server/auth/guards';
import { getCycle } from '$lib/server/cycles/cycles';
import { NotFoundError } from '$lib/server/errors';
import { error } from '@sveltejs/kit';
import type { LayoutServerLoad } from './$types';

export const load: LayoutServerLoad = async ({ locals, params }) => {
	const u = requireRole(locals, ...consoleReaders);
	try {
		const cycle = await getCycle(db(), Number(params.id));
		return { cycle, canEdit: u.role === 'admin' && cycle.status !== 'closed' };
	} catch (err) {
		if (err instanceof NotFoundError) error(404, 'not_found');
		throw err;
	}
};
