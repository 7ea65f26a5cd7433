import { db } from '$lib/server/db';
import { actorOf, consoleReaders, requireRole } from '$lib/server/auth/guards';
import { deleteUnit, insertUnits, listUnits } from '$lib/server/cycles/units';
import { listCategories } from '$lib/server/cycles/categories';
import { listAreas } from '$lib/server/cycles/areas';
import { importCycleFile } from '$lib/server/cycles/bulk-import';
import { domainFailure, formValues, zodFailure } from '$lib/server/http/form-failure';
import { uploadedFile } from '$lib/server/http/uploaded-file';
import { unitInputSchema } from '$lib/schemas/cycle';
import type { Actions, PageServerLoad } from './$types';

export const load: PageServerLoad = async ({ locals, params }) => {
	requireRole(locals, ...consoleReaders);
	const id = Number(params.id);
	const areas = await listAreas(db(), id);
	return {
		units: await listUnits(db(), id),
		categories: (await listCategories(db(), id)).map((c) => ({ code: c.code, name: c.name })),
		topAreas: areas.filter((a) => !a.parentCode).map((a) => ({ code: a.code, name: a.name }))
	};
};

export const actions: Actions = {
	import: async ({ locals, params, request }) => {
		const u = requireRole(locals, 'admin');
		const file = await uploadedFile(request);
		if ('failure' in file) return file.failure;
		try {
			const r = await importCycleFile(
				db(),
				actorOf(u),
				Number(params.id),
				'units',
				file.name,
				file.bytes
			);
			return { imported: r.imported };
		} catch (err) {
			return domainFailure(err, undefined, 'import');
		}
	},
	create: async ({ locals, params, request }) => {
		const u = requireRole(locals, 'admin');
		const values = formValues(await request.formData());
		const parsed = unitInputSchema.safeParse({ ...values, area: values.area || null });
		if (!parsed.success) return zodFailure(parsed.error, values, 'create');
		try {
			await db().transaction((tx) =>
				insertUnits(tx, actorOf(u), Number(params.id), [parsed.data], 'form')
			);
		} catch (err) {
			return domainFailure(err, values, 'create');
		}
		return { saved: true };
	},
	delete: async ({ locals, params, request }) => {
		const u = requireRole(locals, 'admin');
		const code = String((await request.formData()).get('code') ?? '');
		try {
			await deleteUnit(db(), actorOf(u), Number(params.id), code);
		} catch (err) {
			return domainFailure(err, undefined, 'delete');
		}
		return { deleted: true };
	}
};
