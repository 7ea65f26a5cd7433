import { json } from '@sveltejs/kit';
import { db } from '$lib/server/db';
import { api } from '$lib/server/http/problem';
import { readJson } from '$lib/server/http/read-body';
import { actorOf, requireRole } from '$lib/server/auth/guards';
import { ValidationError } from '$lib/server/errors';
import { ImportRowsError } from '$lib/server/cycles/bulk-import';
import { getSurveyBySlug } from '$lib/server/surveys/surveys';
import {
	addAnonymousEntries,
	addRosterEntries,
	issueCodes,
	listRoster,
	type AddedEntry
} from '$lib/server/invitations/rosters';
import { personalLink } from '$lib/server/exports/slips';
import { formatCode } from '$lib/invitation-code';
import { createInvitationsSchema } from '$lib/schemas/invitation';
import type { RequestHandler } from './$types';

/** The roster: names, subgroups, whether a code is out and (by the day) whether it was used. */
export const GET: RequestHandler = api(async ({ locals, params, url }) => {
	requireRole(locals, 'admin', 'viewer');
	const s = await getSurveyBySlug(db(), params.slug);
	const items = await listRoster(db(), s.id, url.searchParams.get('group') || undefined);
	return json({ items });
});

/**
 * Adds people (`roster`) or nameless entries (`count`) and issues their codes, or issues codes to
 * entries that have none (`unissued`). All or nothing. The codes are in this answer only: they are
 * stored as keyed hashes, so nobody can show them again.
 */
export const POST: RequestHandler = api(async ({ locals, params, request, url }) => {
	const u = requireRole(locals, 'admin');
	const body = await readJson(request, createInvitationsSchema, 2 * 1024 * 1024);
	const actor = actorOf(u);
	const issued = await db().transaction(async (tx) => {
		let added: AddedEntry[] | undefined;
		try {
			if (body.roster) {
				added = await addRosterEntries(tx, actor, params.slug, body.group, body.roster, {
					source: 'api',
					defaultSubgroup: body.subgroup
				});
			} else if (body.count) {
				added = await addAnonymousEntries(
					tx,
					actor,
					params.slug,
					body.group,
					body.count,
					body.subgroup
				);
			}
		} catch (err) {
			if (!(err instanceof ImportRowsError)) throw err;
			const fields = err.errors.map((e) => ({
				path:
					body.roster && e.row > 0
						? `roster.${e.row - 1}${e.column ? `.${e.column}` : ''}`
						: e.column || 'roster',
				message: e.message
			}));
			// `count` entries share one subgroup: one message, not one per entry.
			const unique = [...new Map(fields.map((f) => [`${f.path}|${f.message}`, f])).values()];
			throw new ValidationError('invalid_roster', unique);
		}
		return issueCodes(tx, actor, params.slug, {
			group: body.group,
			subgroup: body.unissued ? body.subgroup : undefined,
			entryIds: added?.map((a) => a.id)
		});
	});
	return json(
		{
			issued: issued.length,
			codes: issued.map((i) => ({
				entryId: i.entryId,
				label: i.label,
				organisation: i.organisation,
				group: i.group,
				subgroup: i.subgroup,
				code: formatCode(i.code),
				link: personalLink(url.origin, params.slug, i.code)
			}))
		},
		{ status: 201, headers: { 'cache-control': 'no-store' } }
	);
});
