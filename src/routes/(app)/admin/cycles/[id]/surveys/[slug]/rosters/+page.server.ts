import { error, fail } from '@sveltejs/kit';
import { db } from '$lib/server/db';
import { env } from '$lib/server/env';
import { actorOf, requireRole } from '$lib/server/auth/guards';
import { NotFoundError } from '$lib/server/errors';
import { ImportRowsError } from '$lib/server/cycles/bulk-import';
import { getSurveyBySlug } from '$lib/server/surveys/surveys';
import { domainFailure, formValues } from '$lib/server/http/form-failure';
import { uploadedFile } from '$lib/server/http/uploaded-file';
import {
	addRosterEntries,
	importRosterFile,
	invitationGroups,
	listRoster,
	removeRosterEntry,
	shanghaiDay,
	stampAnsweredDays,
	updateRosterEntry
} from '$lib/server/invitations/rosters';
import { invitationStats } from '$lib/server/invitations/stats';
import { recentDeliveries, sendCodesBySms, sendReminders } from '$lib/server/invitations/delivery';
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

/**
 * Names and "has answered" are personal data next to the answers' timing: the office (admin) and
 * read-only leaders (viewer) see the roster; reviewers, who read individual answers, do not.
 */
export const load: PageServerLoad = async ({ locals, params, url }) => {
	const u = requireRole(locals, 'admin', 'viewer');
	const s = await surveyOf(params);
	// The daily "answered on" batch, lazily (a no-op once today's run has happened).
	await stampAnsweredDays(db());
	const deliveries = await recentDeliveries(db(), s.id);
	return {
		survey: { slug: s.slug, title: s.title, status: s.status },
		groups: await invitationGroups(db(), s),
		stats: await invitationStats(db(), s),
		roster: await listRoster(db(), s.id),
		deliveries: deliveries.map((d) => {
			let detail: Record<string, unknown>;
			try {
				detail = JSON.parse(d.detail ?? '{}');
			} catch {
				detail = {};
			}
			return {
				id: d.id,
				kind: d.kind,
				recipients: d.recipients,
				provider: d.provider,
				at: d.at,
				failed: Number(detail.failed ?? 0),
				noPhone: Number(detail.noPhone ?? 0)
			};
		}),
		smsProvider: env().SMS_PROVIDER,
		isAdmin: u.role === 'admin',
		today: shanghaiDay(new Date()),
		notice: url.searchParams.get('notice')?.slice(0, 60) ?? null
	};
};

const entryId = (v: FormDataEntryValue | null) =>
	typeof v === 'string' && /^\d{1,9}$/.test(v) ? Number(v) : -1;

export const actions: Actions = {
	import: async ({ locals, params, request }) => {
		const u = requireRole(locals, 'admin');
		const s = await surveyOf(params);
		const copy = request.clone();
		const file = await uploadedFile(request);
		if ('failure' in file) return file.failure;
		const group = String((await copy.formData()).get('group') ?? '');
		try {
			const r = await importRosterFile(db(), actorOf(u), s.slug, group, file.name, file.bytes);
			return { imported: r.imported };
		} catch (err) {
			return domainFailure(err, { group }, 'import');
		}
	},
	add: async ({ locals, params, request }) => {
		const u = requireRole(locals, 'admin');
		const s = await surveyOf(params);
		const values = formValues(await request.formData());
		try {
			await addRosterEntries(
				db(),
				actorOf(u),
				s.slug,
				values.group ?? '',
				[
					{
						label: values.label ?? '',
						subgroup: values.subgroup || undefined,
						phone: values.phone || undefined,
						organisation: values.organisation || undefined
					}
				],
				{ source: 'form' }
			);
		} catch (err) {
			return rowFailure(err, values, 'add');
		}
		return { added: true };
	},
	edit: async ({ locals, params, request }) => {
		const u = requireRole(locals, 'admin');
		const s = await surveyOf(params);
		const values = formValues(await request.formData());
		const id = entryId(values.id ?? null);
		try {
			await updateRosterEntry(db(), actorOf(u), s.slug, id, {
				label: values.label ?? '',
				organisation: values.organisation || null,
				subgroup: values.subgroup || null,
				// Blank keeps the number on file (it is never shown); the box removes it.
				phone: values.removePhone === 'on' ? null : values.phone ? values.phone : undefined
			});
		} catch (err) {
			return domainFailure(err, values, `edit-${id}`);
		}
		return { saved: true };
	},
	remove: async ({ locals, params, request }) => {
		const u = requireRole(locals, 'admin');
		const s = await surveyOf(params);
		const id = entryId((await request.formData()).get('id'));
		try {
			await removeRosterEntry(db(), actorOf(u), s.slug, id);
		} catch (err) {
			return domainFailure(err, undefined, 'list');
		}
		return { removed: true };
	},
	sendCodes: async ({ locals, params, request, url }) => {
		const u = requireRole(locals, 'admin');
		const s = await surveyOf(params);
		const values = formValues(await request.formData());
		try {
			const r = await sendCodesBySms(
				db(),
				actorOf(u),
				s.slug,
				{ group: values.group ?? '', subgroup: values.subgroup || undefined },
				url.origin
			);
			return { delivered: r, kind: 'codes' };
		} catch (err) {
			return domainFailure(err, values, 'delivery');
		}
	},
	remind: async ({ locals, params, request, url }) => {
		const u = requireRole(locals, 'admin');
		const s = await surveyOf(params);
		const values = formValues(await request.formData());
		try {
			const r = await sendReminders(
				db(),
				actorOf(u),
				s.slug,
				{
					group: values.group || undefined,
					subgroup: values.subgroup || undefined,
					reissue: values.reissue === 'on'
				},
				url.origin
			);
			return { delivered: r, kind: 'reminder' };
		} catch (err) {
			return domainFailure(err, values, 'delivery');
		}
	}
};

/** One row added by hand: its row errors become field errors of the form. */
function rowFailure(err: unknown, values: Record<string, string>, form: string) {
	if (err instanceof ImportRowsError) {
		const errors: Record<string, string[]> = {};
		for (const r of err.errors) (errors[r.column || '_'] ??= []).push(r.message.split(':')[0]);
		return fail(400, { errors, values, form });
	}
	return domainFailure(err, values, form);
}
