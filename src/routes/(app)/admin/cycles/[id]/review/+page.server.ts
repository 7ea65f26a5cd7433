import { error, fail } from '@sveltejs/kit';
import { db } from '$lib/server/db';
import { actorOf, requireRole } from '$lib/server/auth/guards';
import { domainFailure, zodFailure } from '$lib/server/http/form-failure';
import { NotFoundError } from '$lib/server/errors';
import { getCycle } from '$lib/server/cycles/cycles';
import { listSurveys } from '$lib/server/surveys/surveys';
import { loadSurveyView } from '$lib/server/surveys/survey-view';
import { reviewQueue } from '$lib/server/fraud/queue';
import { reviewMany } from '$lib/server/fraud/review';
import { startRecheckJob } from '$lib/server/fraud/recheck';
import { bulkReviewSchema } from '$lib/schemas/rule-set';
import type { Actions, PageServerLoad } from './$types';

/** Reviewers work the queues; scores are not on this page (they review blind to results). */
const reviewers = ['admin', 'reviewer'] as const;

async function cycleSurvey(cycleId: number, slug: string | null) {
	const surveys = (await listSurveys(db(), cycleId)).filter((s) => s.status !== 'draft');
	const chosen = surveys.find((s) => s.slug === slug) ?? surveys[0] ?? null;
	return { surveys, chosen };
}

export const load: PageServerLoad = async ({ locals, params, url }) => {
	const u = requireRole(locals, ...reviewers);
	const cycleId = Number(params.id);
	try {
		await getCycle(db(), cycleId);
	} catch (err) {
		if (err instanceof NotFoundError) error(404, 'not_found');
		throw err;
	}
	const { surveys, chosen } = await cycleSurvey(cycleId, url.searchParams.get('survey'));
	const queue = url.searchParams.get('queue') === 'flagged' ? 'flagged' : 'quarantined';
	const view = chosen ? await loadSurveyView(db(), chosen.slug) : null;
	return {
		isAdmin: u.role === 'admin',
		queue,
		surveys: surveys.map((s) => ({ slug: s.slug, title: s.title, status: s.status })),
		survey: chosen
			? { slug: chosen.slug, title: chosen.title, ruleSetVersion: chosen.ruleSetVersion }
			: null,
		units: view ? view.units.map((u) => ({ code: u.code, name: u.name })) : [],
		levels: view ? view.levels.map((l) => ({ code: l.code, value: l.value })) : [],
		result: view ? await reviewQueue(db(), view, queue) : null
	};
};

export const actions: Actions = {
	review: async ({ locals, params, request }) => {
		const u = requireRole(locals, ...reviewers);
		const form = await request.formData();
		const slug = String(form.get('survey') ?? '');
		const ids = form.getAll('ids').map(String).filter(Boolean);
		const cluster = String(form.get('cluster') ?? '') || undefined;
		const values = {
			decision: String(form.get('decision') ?? ''),
			reason: String(form.get('reason') ?? ''),
			cluster: cluster ?? ''
		};
		const parsed = bulkReviewSchema.safeParse({
			decision: values.decision,
			reason: values.reason,
			...(ids.length ? { ids } : { cluster })
		});
		const formId = `review-${String(form.get('group') ?? '')}`;
		if (!parsed.success) return zodFailure(parsed.error, values, formId);
		const { chosen } = await cycleSurvey(Number(params.id), slug);
		if (!chosen || chosen.slug !== slug) {
			return fail(404, { errors: {}, message: 'survey_not_found', form: formId });
		}
		try {
			const view = await loadSurveyView(db(), slug);
			const r = await reviewMany(
				db(),
				actorOf(u),
				view,
				{ ids: parsed.data.ids, cluster: parsed.data.cluster },
				parsed.data.decision,
				parsed.data.reason
			);
			return { done: r.decided, decision: r.decision, form: formId };
		} catch (err) {
			return domainFailure(err, values, formId);
		}
	},
	recheck: async ({ locals, params, request }) => {
		const u = requireRole(locals, 'admin');
		const form = await request.formData();
		const slug = String(form.get('survey') ?? '');
		const { chosen } = await cycleSurvey(Number(params.id), slug);
		if (!chosen || chosen.slug !== slug) {
			return fail(404, { errors: {}, message: 'survey_not_found', form: 'recheck' });
		}
		try {
			return { jobId: await startRecheckJob(db(), slug, actorOf(u)), form: 'recheck' };
		} catch (err) {
			return domainFailure(err, {}, 'recheck');
		}
	}
};
