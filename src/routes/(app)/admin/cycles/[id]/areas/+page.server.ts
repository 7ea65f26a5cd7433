import { db } from '$lib/server/db';
import { actorOf, consoleReaders, requireRole } from '$lib/server/auth/guards';
import { deleteArea, insertAreas, listAreas, updateArea } from '$lib/server/cycles/areas';
import { importCycleFile } from '$lib/server/cycles/bulk-import';
import { domainFailure, formValues, zodFailure } from '$lib/server/http/form-failure';
import { uploadedFile } from '$lib/server/http/uploaded-file';
import { areaInputSchema } from '$lib/schemas/cycle';
import type { Actions, PageServerLoad } from './$types';

export const load: PageServerLoad = async ({ locals, params }) => {
	requireRole(locals, ...consoleReaders);
	return { areas: await listAreas(db(), Number(params.id)) };
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
				'areas',
				file.name,
				file.bytes
			);
			return { imported: r.imported };
		} catch (err) {
			return domainFailure(err, undefined, 'import');
		}
	},
	save: async ({ locals, params, request }) => {
		const u = requireRole(locals, 'admin');
		const values = formValues(await request.formData());
		const formId = values.existing ? 'edit' : 'create';
		const parsed = areaInputSchema.safeParse({ ...values, parent: values.parent || null });
		if (!parsed.success) return zodFailure(parsed.error, values, formId);
		try {
			if (values.existing) {
				await updateArea(db(), actorOf(u), Number(params.id), values.existing, parsed.data);
			} else {
				await db().transaction((tx) =>
					insertAreas(tx, actorOf(u), Number(params.id), [parsed.data], 'form')
				);
			}
		} catch (err) {
			return domainFailure(err, values, formId);
		}
		return { saved: true };
	},
	delete: async ({ locals, params, request }) => {
		const u = requireRole(locals, 'admin');
		const code = String((await request.formData()).get('code') ?? '');
		try {
			await deleteArea(db(), actorOf(u), Number(params.id), code);
		} catch (err) {
			return domainFailure(err, undefined, 'delete');
		}
		return { deleted: true };
	}
};
