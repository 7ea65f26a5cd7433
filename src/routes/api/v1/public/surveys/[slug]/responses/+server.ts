import { json } from '@sveltejs/kit';
import { db } from '$lib/server/db';
import { api } from '$lib/server/http/problem';
import { readJson } from '$lib/server/http/read-body';
import { clientAddress } from '$lib/server/http/client-address';
import { submitResponse } from '$lib/server/responses/submit-response';
import { DEVICE_COOKIE } from '$lib/server/responses/respondent-page';
import { responseInputSchema } from '$lib/schemas/response';
import type { RequestHandler } from './$types';

/** 201 with a receipt for every stored submission; the same body again → 200, same receipt. */
export const POST: RequestHandler = api(async (event) => {
	const input = await readJson(event.request, responseInputSchema, 64 * 1024);
	const result = await submitResponse(db(), event.params.slug, input, {
		now: new Date(),
		clientAddress: clientAddress(event),
		userAgent: event.request.headers.get('user-agent'),
		deviceCookie: event.cookies.get(DEVICE_COOKIE) ?? null,
		source: 'live'
	});
	return json(
		{ receipt: result.receipt, submissionId: result.submissionId },
		{ status: result.httpStatus }
	);
});
