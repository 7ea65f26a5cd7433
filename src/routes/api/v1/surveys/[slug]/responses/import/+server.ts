import { json } from '@sveltejs/kit';
import { db, databaseDriver } from '$lib/server/db';
import { api } from '$lib/server/http/problem';
import { actorOf, requireRole } from '$lib/server/auth/guards';
import { DomainError } from '$lib/server/errors';
import { importResponses, ndjsonLines } from '$lib/server/responses/import-responses';
import { createJob, updateJob } from '$lib/server/fraud/jobs';
import type { RequestHandler } from './$types';

const ndjsonTypes = /^application\/(x-ndjson|ndjson|jsonl|x-jsonlines)\b/i;

/**
 * NDJSON of paper or historical submissions [admin] (DESIGN.md §12). Streams the body; all or
 * nothing unless `?partial=true`. 200 `{imported, rejected, errors: [{line, errors}], jobId}`; when
 * nothing was stored because of bad lines, 400 problem+json with the same members.
 */
export const POST: RequestHandler = api(async ({ locals, params, request, url }) => {
	const u = requireRole(locals, 'admin');
	if (!ndjsonTypes.test((request.headers.get('content-type') ?? '').trim())) {
		throw new DomainError(415, 'unsupported_media_type', 'expected application/x-ndjson');
	}
	const partial = url.searchParams.get('partial') === 'true';
	const jobId = await createJob(db(), 'import', u.email, 0);
	// Inside the all-or-nothing transaction PGlite has one connection: progress is written at the end.
	const live = partial || databaseDriver() === 'postgres';
	try {
		const result = await importResponses(db(), actorOf(u), params.slug, ndjsonLines(request.body), {
			partial,
			progress: live
				? (done, total) => updateJob(db(), jobId, { progress: done, total })
				: undefined
		});
		await updateJob(db(), jobId, {
			status: 'done',
			progress: result.imported + result.rejected,
			total: result.imported + result.rejected,
			result: { imported: result.imported, rejected: result.rejected }
		});
		const body = {
			imported: result.imported,
			rejected: result.rejected,
			errors: result.errors,
			jobId
		};
		if (result.rolledBack) {
			return json(
				{
					type: 'https://pingyi.invalid/problems/400',
					title: 'Bad Request',
					status: 400,
					detail: 'import_failed',
					...body
				},
				{ status: 400, headers: { 'content-type': 'application/problem+json' } }
			);
		}
		return json(body);
	} catch (err) {
		await updateJob(db(), jobId, {
			status: 'failed',
			error: err instanceof DomainError ? err.message : 'failed'
		});
		throw err;
	}
});
