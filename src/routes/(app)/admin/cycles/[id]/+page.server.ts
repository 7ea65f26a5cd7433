import { count, eq } from 'drizzle-orm';
import { db } from '$lib/server/db';
import { area, category, group, survey, unit } from '$lib/server/db/schema';
import { actorOf, consoleReaders, requireRole } from '$lib/server/auth/guards';
import { setCycleStatus, updateCycle } from '$lib/server/cycles/cycles';
import { domainFailure, formValues, zodFailure } from '$lib/server/http/form-failure';
import { cycleInputSchema } from '$lib/schemas/cycle';
import type { Actions, PageServerLoad } from './$types';

export const load: PageServerLoad = async ({ locals, params }) => {
	requireRole(locals, ...consoleReaders);
	const id = Number(params.id);
	const countOf = async (
		table: typeof area | typeof category | typeof group | typeof survey | typeof unit
	) => {
		const [row] = await db().select({ n: count() }).from(table).where(eq(table.cycleId, id));
		return row.n;
	};
	return {
		counts: {
			categories: await countOf(category),
			units: await countOf(unit),
			areas: await countOf(area),
			groups: await countOf(group),
			surveys: await countOf(survey)
		}
	};
};

export const actions: Actions = {
	settings: async ({ locals, params, request }) => {
		const u = requireRole(locals, 'admin');
		const values = formValues(await request.formData());
		const parsed = cycleInputSchema.safeParse(values);
		if (!parsed.success) return zodFailure(parsed.error, values, 'settings');
		try {
			await updateCycle(db(), actorOf(u), Number(params.id), parsed.data);
		} catch (err) {
			return domainFailure(err, values, 'settings');
		}
		return { saved: true };
	},
	open: async ({ locals, params }) => {
		const u = requireRole(locals, 'admin');
		try {
			await setCycleStatus(db(), actorOf(u), Number(params.id), 'open');
		} catch (err) {
			return domainFailure(err, undefined, 'status');
		}
		return { saved: true };
	},
	close: async ({ locals, params }) => {
		const u = requireRole(locals, 'admin');
		try {
			await setCycleStatus(db(), actorOf(u), Number(params.id), 'closed');
		} catch (err) {
			return domainFailure(err, undefined, 'status');
		}
		return { saved: true };
	}
};
