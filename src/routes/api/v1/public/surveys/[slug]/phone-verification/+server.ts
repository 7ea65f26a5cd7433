import { json } from '@sveltejs/kit';
import { db } from '$lib/server/db';
import { api } from '$lib/server/http/problem';
import { readJson } from '$lib/server/http/read-body';
import { clientAddress } from '$lib/server/http/client-address';
import { requestPhoneCode } from '$lib/server/invitations/phone-verification';
import { phoneVerificationRequestSchema } from '$lib/schemas/invitation';
import type { RequestHandler } from './$types';

/** 202: a 6-digit code is on its way by SMS (5 minutes, 5 tries); 429 past the rate limits. */
export const POST: RequestHandler = api(async (event) => {
	const { phone } = await readJson(event.request, phoneVerificationRequestSchema, 4 * 1024);
	const { expiresAt } = await requestPhoneCode(
		db(),
		event.params.slug,
		phone,
		clientAddress(event)
	);
	return json({ expiresAt }, { status: 202 });
});
