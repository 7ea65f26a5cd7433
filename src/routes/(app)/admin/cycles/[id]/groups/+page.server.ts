import { db } from '$lib/server/db';
import { actorOf, consoleReaders, requireRole } from '$lib/server/auth/guards';
import { deleteGroup, listGroups, upsertGroup } from '$lib/server/cycles/groups';
import { domainFailure, formValues, zodFailure } from '$lib/server/http/form-failure';
import { groupInputSchema } from '$lib/schemas/cycle';
import type { Actions, PageServerLoad } from './$types';

export const load: PageServerLoad = async ({ locals, params }) => {
	requireRole(locals, ...consoleReaders);
	return { groups: await listGroups(db(), Number(params.id)) };
};

/** Subgroups are typed as "code:label" lines, e.g. "party:党代表". */
function parseSubgroups(text: string | undefined) {
	if (!text?.trim()) return [];
	return text
		.split(/\r?\n/)
		.map((l) => l.trim())
		.filter(Boolean)
		.map((l) => {
			const [code, ...rest] = l.split(/[:：]/);
			return { code: code.trim(), label: rest.join(':').trim() || code.trim() };
		});
}

export const actions: Actions = {
	save: async ({ locals, params, request }) => {
		const u = requireRole(locals, 'admin');
		const values = formValues(await request.formData());
		const formId = values.existing ? `edit-${values.existing}` : 'create';
		const parsed = groupInputSchema.safeParse({
			code: values.code,
			label: values.label,
			identity: values.identity,
			minValid: values.minValid || undefined,
			subgroups: parseSubgroups(values.subgroups)
		});
		if (!parsed.success) return zodFailure(parsed.error, values, formId);
		try {
			await upsertGroup(db(), actorOf(u), Number(params.id), parsed.data);
		} catch (err) {
			return domainFailure(err, values, formId);
		}
		return { saved: true };
	},
	delete: async ({ locals, params, request }) => {
		const u = requireRole(locals, 'admin');
		const code = String((await request.formData()).get('code') ?? '');
		try {
			await deleteGroup(db(), actorOf(u), Number(params.id), code);
		} catch (err) {
			return domainFailure(err, undefined, `edit-${code}`);
		}
		return { deleted: true };
	}
};
