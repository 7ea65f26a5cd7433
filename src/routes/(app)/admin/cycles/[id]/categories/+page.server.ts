import { db } from '$lib/server/db';
import { actorOf, consoleReaders, requireRole } from '$lib/server/auth/guards';
import {
	createCategory,
	deleteCategory,
	listCategories,
	updateCategory
} from '$lib/server/cycles/categories';
import { listGroups } from '$lib/server/cycles/groups';
import { domainFailure, formValues, zodFailure } from '$lib/server/http/form-failure';
import { categoryInputSchema } from '$lib/schemas/cycle';
import type { Actions, PageServerLoad } from './$types';

export const load: PageServerLoad = async ({ locals, params }) => {
	requireRole(locals, ...consoleReaders);
	const id = Number(params.id);
	return { categories: await listCategories(db(), id), groups: await listGroups(db(), id) };
};

/** Weight inputs are named `w.<group>`; empty ones are left out. */
function categoryFromForm(values: Record<string, string>) {
	const weights: Record<string, number> = {};
	for (const [k, v] of Object.entries(values)) {
		if (k.startsWith('w.') && v.trim() !== '') weights[k.slice(2)] = Number(v);
	}
	return { code: values.code, name: values.name, weights };
}

export const actions: Actions = {
	save: async ({ locals, params, request }) => {
		const u = requireRole(locals, 'admin');
		const values = formValues(await request.formData());
		const parsed = categoryInputSchema.safeParse(categoryFromForm(values));
		const formId = values.existing ? `edit-${values.existing}` : 'create';
		if (!parsed.success) return zodFailure(parsed.error, values, formId);
		try {
			if (values.existing) {
				await updateCategory(db(), actorOf(u), Number(params.id), values.existing, parsed.data);
			} else {
				await createCategory(db(), actorOf(u), Number(params.id), parsed.data);
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
			await deleteCategory(db(), actorOf(u), Number(params.id), code);
		} catch (err) {
			return domainFailure(err, undefined, `edit-${code}`);
		}
		return { deleted: true };
	}
};
