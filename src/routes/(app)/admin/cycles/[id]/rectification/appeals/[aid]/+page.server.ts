import { db } from '$lib/server/db';
import { actorOf, requireRole } from '$lib/server/auth/guards';
import { domainFailure, formValues, zodFailure } from '$lib/server/http/form-failure';
import { NotFoundError } from '$lib/server/errors';
import { idParam, orHttpError } from '$lib/server/feedback/http';
import { answerAppeal, appealEvidence, getAppeal } from '$lib/server/feedback/appeals';
import { appealAnswerSchema } from '$lib/schemas/feedback';
import type { Actions, PageServerLoad } from './$types';

/** An appeal of the cycle, or 404 (also when the id belongs to another cycle). */
async function appealOf(cycleId: string, aid: string) {
	const a = await getAppeal(db(), idParam(aid));
	if (a.cycleId !== idParam(cycleId)) throw new NotFoundError('not_found');
	return a;
}

export const load: PageServerLoad = async ({ locals, params }) => {
	const u = requireRole(locals, 'admin', 'viewer');
	return orHttpError(async () => {
		const appeal = await appealOf(params.id, params.aid);
		// Pending: what the answer will attach, computed now; answered: what was attached then.
		const evidence =
			appeal.evidence ?? (await appealEvidence(db(), appeal.cycleId, appeal.unitCode));
		return { appeal, evidence, isAdmin: u.role === 'admin' };
	});
};

export const actions: Actions = {
	answer: async ({ locals, params, request }) => {
		const u = requireRole(locals, 'admin');
		const values = formValues(await request.formData());
		const parsed = appealAnswerSchema.safeParse(values);
		if (!parsed.success) return zodFailure(parsed.error, values, 'answer');
		try {
			const a = await appealOf(params.id, params.aid);
			await answerAppeal(db(), actorOf(u), a.id, parsed.data);
		} catch (err) {
			return domainFailure(err, values, 'answer');
		}
		return { answered: true };
	}
};
