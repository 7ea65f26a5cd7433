import { redirect } from '@sveltejs/kit';
import { db } from '$lib/server/db';
import { actorOf, consoleReaders, requireRole } from '$lib/server/auth/guards';
import { listGroups } from '$lib/server/cycles/groups';
import { insertSurvey, listSurveys } from '$lib/server/surveys/surveys';
import { checkSurveyReferences } from '$lib/server/surveys/survey-references';
import { domainFailure, formValues, zodFailure } from '$lib/server/http/form-failure';
import { surveyInputSchema } from '$lib/schemas/survey';
import type { Actions, PageServerLoad } from './$types';

export const load: PageServerLoad = async ({ locals, params }) => {
	requireRole(locals, ...consoleReaders);
	const cycleId = Number(params.id);
	const surveys = await listSurveys(db(), cycleId);
	return {
		surveys: surveys.map((s) => ({
			slug: s.slug,
			title: s.title,
			status: s.status,
			groups: s.definition.groups,
			access: s.definition.access,
			opensAt: s.opensAt,
			closesAt: s.closesAt
		})),
		groups: (await listGroups(db(), cycleId)).map((g) => ({ code: g.code, label: g.label }))
	};
};

export const actions: Actions = {
	/** A new draft with the defaults of the schema; the rest is edited on the survey's own page. */
	create: async ({ locals, params, request }) => {
		const u = requireRole(locals, 'admin');
		const fd = await request.formData();
		const values = formValues(fd);
		const parsed = surveyInputSchema.safeParse({
			slug: values.slug,
			title: values.title,
			groups: fd.getAll('groups')
		});
		if (!parsed.success) return zodFailure(parsed.error, values, 'create');
		const cycleId = Number(params.id);
		try {
			await db().transaction(async (tx) => {
				await checkSurveyReferences(tx, cycleId, parsed.data);
				await insertSurvey(tx, actorOf(u), cycleId, parsed.data);
			});
		} catch (err) {
			return domainFailure(err, values, 'create');
		}
		redirect(303, `/admin/cycles/${cycleId}/surveys/${parsed.data.slug}`);
	}
};
