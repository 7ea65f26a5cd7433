import { json } from '@sveltejs/kit';
import { db } from '$lib/server/db';
import { api } from '$lib/server/http/problem';
import { actorOf, requireRole } from '$lib/server/auth/guards';
import { NotFoundError } from '$lib/server/errors';
import { reissueCodes } from '$lib/server/invitations/rosters';
import { personalLink } from '$lib/server/exports/slips';
import { formatCode } from '$lib/invitation-code';
import type { RequestHandler } from './$types';

/** A lost code: revoked (refused from now on) and replaced; 409 when it was already used. */
export const POST: RequestHandler = api(async ({ locals, params, url }) => {
	const u = requireRole(locals, 'admin');
	const id = /^\d{1,9}$/.test(params.entry) ? Number(params.entry) : NaN;
	if (!Number.isSafeInteger(id)) throw new NotFoundError('roster_entry_not_found');
	const [i] = await reissueCodes(db(), actorOf(u), params.slug, [id]);
	return json(
		{
			entryId: i.entryId,
			label: i.label,
			subgroup: i.subgroup,
			code: formatCode(i.code),
			link: personalLink(url.origin, params.slug, i.code)
		},
		{ headers: { 'cache-control': 'no-store' } }
	);
});
