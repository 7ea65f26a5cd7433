import { json } from '@sveltejs/kit';
import { db } from '$lib/server/db';
import { api } from '$lib/server/http/problem';
import { readJson } from '$lib/server/http/read-body';
import { actorOf, consoleReaders, requireRole } from '$lib/server/auth/guards';
import { NotFoundError } from '$lib/server/errors';
import { getCycle } from '$lib/server/cycles/cycles';
import { createRuleSet, listRuleSets } from '$lib/server/fraud/rules';
import { startRecheckJob } from '$lib/server/fraud/recheck';
import { ruleSetChangeSchema } from '$lib/schemas/rule-set';
import type { RequestHandler } from './$types';

function cycleId(raw: string): number {
	const id = Number(raw);
	if (!Number.isSafeInteger(id) || id <= 0) throw new NotFoundError('cycle_not_found');
	return id;
}

/** The cycle's rule-set versions (version 1 is the defaults) [admin, viewer, reviewer]. */
export const GET: RequestHandler = api(async ({ locals, params }) => {
	requireRole(locals, ...consoleReaders);
	const id = cycleId(params.id);
	await getCycle(db(), id);
	return json({ items: await listRuleSets(db(), id) });
});

/**
 * A new version: `{rules, reason}` with only the thresholds that change [admin]. After a survey has
 * opened a reason is required, and the retrospective pass starts for every open survey.
 */
export const POST: RequestHandler = api(async ({ locals, params, request }) => {
	const u = requireRole(locals, 'admin');
	const id = cycleId(params.id);
	const body = await readJson(request, ruleSetChangeSchema);
	const actor = actorOf(u);
	const created = await createRuleSet(db(), actor, id, body);
	const jobs: { survey: string; jobId: string }[] = [];
	for (const slug of created.recheck) {
		jobs.push({ survey: slug, jobId: await startRecheckJob(db(), slug, actor) });
	}
	return json({ version: created.version, rules: created.rules, jobs }, { status: 201 });
});
