import { error } from '@sveltejs/kit';
import { db } from '$lib/server/db';
import { actorOf, consoleReaders, requireRole } from '$lib/server/auth/guards';
import { listCategories } from '$lib/server/cycles/categories';
import { listGroups } from '$lib/server/cycles/groups';
import { listUnits } from '$lib/server/cycles/units';
import { NotFoundError, ValidationError } from '$lib/server/errors';
import {
	closeSurvey,
	getSurveyBySlug,
	publishSurvey,
	surveyToInput,
	updateSurvey
} from '$lib/server/surveys/surveys';
import { surveyUnits } from '$lib/server/surveys/survey-units';
import { checkSurveyReferences } from '$lib/server/surveys/survey-references';
import { forgetSurveyView } from '$lib/server/surveys/survey-view';
import { readBuilderForm } from '$lib/server/surveys/builder-form';
import { domainFailure, formValues } from '$lib/server/http/form-failure';
import { surveyInputSchema } from '$lib/schemas/survey';
import type { Actions, PageServerLoad } from './$types';

/** The survey named in the path, only if it belongs to the cycle in the path. */
async function surveyOf(params: { id: string; slug: string }) {
	try {
		const s = await getSurveyBySlug(db(), params.slug);
		if (s.cycleId === Number(params.id)) return s;
	} catch (err) {
		if (!(err instanceof NotFoundError)) throw err;
	}
	error(404, 'not_found');
}

export const load: PageServerLoad = async ({ locals, params, url }) => {
	const u = requireRole(locals, ...consoleReaders);
	const s = await surveyOf(params);
	const cycleId = s.cycleId;
	return {
		survey: { ...surveyToInput(s), status: s.status, publishedAt: s.publishedAt },
		frozenUnits: s.definition.frozenUnits?.length ?? null,
		groups: (await listGroups(db(), cycleId)).map((g) => ({ code: g.code, label: g.label })),
		categories: (await listCategories(db(), cycleId)).map((c) => ({ code: c.code, name: c.name })),
		units: (await listUnits(db(), cycleId)).map((x) => ({
			code: x.code,
			name: x.name,
			category: x.categoryCode
		})),
		/** The units QR codes and posters are made for (the frozen list once published). */
		qrUnits: (await surveyUnits(db(), s)).map((x) => ({ code: x.code, name: x.name })),
		canQr: u.role === 'admin' || u.role === 'viewer',
		origin: url.origin
	};
};

export const actions: Actions = {
	save: async ({ locals, params, request }) => {
		const u = requireRole(locals, 'admin');
		const s = await surveyOf(params);
		const fd = await request.formData();
		const values = formValues(fd);
		const { candidate, errors } = readBuilderForm(fd, s);
		const parsed = surveyInputSchema.safeParse(candidate);
		if (!parsed.success || errors.length) {
			// Form-reading problems and schema problems are reported together, each at its field.
			const issues = parsed.success ? [] : parsed.error.issues;
			const fields = [
				...errors,
				...issues.map((i) => ({ path: i.path.map(String).join('.') || '_', message: i.message }))
			];
			return domainFailure(new ValidationError('invalid_input', fields), values, 'survey');
		}
		try {
			await db().transaction(async (tx) => {
				if (s.status === 'draft') await checkSurveyReferences(tx, s.cycleId, parsed.data);
				await updateSurvey(tx, actorOf(u), s.slug, parsed.data);
			});
		} catch (err) {
			return domainFailure(err, values, 'survey');
		}
		forgetSurveyView(s.slug);
		return { saved: true };
	},
	publish: async ({ locals, params }) => {
		const u = requireRole(locals, 'admin');
		const s = await surveyOf(params);
		try {
			await db().transaction((tx) => publishSurvey(tx, actorOf(u), s.slug));
		} catch (err) {
			return domainFailure(err, undefined, 'status');
		}
		forgetSurveyView(s.slug);
		return { published: true };
	},
	close: async ({ locals, params }) => {
		const u = requireRole(locals, 'admin');
		const s = await surveyOf(params);
		try {
			await db().transaction((tx) => closeSurvey(tx, actorOf(u), s.slug));
		} catch (err) {
			return domainFailure(err, undefined, 'status');
		}
		forgetSurveyView(s.slug);
		return { closed: true };
	}
};
