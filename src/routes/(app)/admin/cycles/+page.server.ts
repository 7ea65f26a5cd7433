import { redirect } from '@sveltejs/kit';
import { db } from '$lib/server/db';
import { actorOf, consoleReaders, requireRole } from '$lib/server/auth/guards';
import { createCycle, listCycles } from '$lib/server/cycles/cycles';
import { copyCycle, importCycle } from '$lib/server/cycles/cycle-document';
import { domainFailure, formValues, zodFailure } from '$lib/server/http/form-failure';
import { cycleInputSchema } from '$lib/schemas/cycle';
import { cycleDocumentSchema } from '$lib/schemas/cycle-document';
import { fail } from '@sveltejs/kit';
import type { Actions, PageServerLoad } from './$types';

export const load: PageServerLoad = async ({ locals }) => {
	const u = requireRole(locals, ...consoleReaders);
	return { cycles: await listCycles(db()), canEdit: u.role === 'admin' };
};

export const actions: Actions = {
	create: async ({ locals, request }) => {
		const u = requireRole(locals, 'admin');
		const values = formValues(await request.formData());
		const parsed = cycleInputSchema.safeParse(values);
		if (!parsed.success) return zodFailure(parsed.error, values, 'create');
		let id: number;
		try {
			const from = Number(values.copyFrom);
			id = from
				? await copyCycle(db(), actorOf(u), from, {
						name: parsed.data.name,
						year: parsed.data.year
					})
				: (await createCycle(db(), actorOf(u), parsed.data)).id;
		} catch (err) {
			return domainFailure(err, values, 'create');
		}
		redirect(303, `/admin/cycles/${id}`);
	},
	import: async ({ locals, request }) => {
		const u = requireRole(locals, 'admin');
		const file = (await request.formData()).get('file');
		if (!(file instanceof File) || file.size === 0) {
			return fail(400, { form: 'import', errors: { file: ['empty_file'] } });
		}
		if (file.size > 5 * 1024 * 1024) {
			return fail(413, { form: 'import', errors: { file: ['file_too_large'] } });
		}
		let doc: unknown;
		try {
			doc = JSON.parse(await file.text());
		} catch {
			return fail(400, { form: 'import', errors: { file: ['malformed_json'] } });
		}
		const parsed = cycleDocumentSchema.safeParse(doc);
		if (!parsed.success) {
			return fail(400, {
				form: 'import',
				errors: {},
				message: 'import_failed',
				rowErrors: parsed.error.issues.slice(0, 100).map((i) => ({
					row: 0,
					column: i.path.map(String).join('.'),
					message: i.message
				}))
			});
		}
		let id: number;
		try {
			id = await importCycle(db(), actorOf(u), parsed.data);
		} catch (err) {
			return domainFailure(err, undefined, 'import');
		}
		redirect(303, `/admin/cycles/${id}`);
	}
};
