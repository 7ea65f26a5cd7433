import { json } from '@sveltejs/kit';
import { db } from '$lib/server/db';
import { api } from '$lib/server/http/problem';
import { readJson } from '$lib/server/http/read-body';
import { clientAddress } from '$lib/server/http/client-address';
import { authenticate } from '$lib/server/auth/login';
import { createApiToken } from '$lib/server/auth/api-tokens';
import { appendAudit } from '$lib/server/audit/audit-log';
import { createTokenSchema } from '$lib/schemas/user';
import type { RequestHandler } from './$types';

/** Exchanges email + password for a named API token (rate-limited like the login page). */
export const POST: RequestHandler = api(async (event) => {
	const input = await readJson(event.request, createTokenSchema, 16 * 1024);
	const u = await authenticate(db(), input.email, input.password, clientAddress(event));
	const { id, token } = await createApiToken(db(), u.id, input.name);
	await appendAudit(
		db(),
		{ id: u.id, label: u.email },
		{
			action: 'token.create',
			targetType: 'api_token',
			targetId: id,
			detail: { name: input.name, via: 'api' }
		}
	);
	return json({ token, id }, { status: 201 });
});
