import { error, redirect } from '@sveltejs/kit';
import { db } from '$lib/server/db';
import { actorOf, requireRole } from '$lib/server/auth/guards';
import { DomainError, NotFoundError } from '$lib/server/errors';
import { getCycle } from '$lib/server/cycles/cycles';
import { getSurveyBySlug } from '$lib/server/surveys/surveys';
import { CjkFontMissingError } from '$lib/server/exports/cjk-font';
import { renderSlips, slipFont } from '$lib/server/exports/slips';
import {
	invitationGroups,
	issueCodes,
	reissueCodes,
	type IssuedCode
} from '$lib/server/invitations/rosters';
import * as m from '$lib/paraglide/messages';
import type { RequestHandler } from './$types';

function fontMissing(err: CjkFontMissingError): Response {
	const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;');
	const html = `<!doctype html><html lang="zh-CN"><meta charset="utf-8"><title>${esc(
		m.roster_slips_font_missing()
	)}</title><h1>${esc(m.roster_slips_font_missing())}</h1><p>${esc(
		m.err_cjk_font_missing()
	)}</p><p><code>${esc(err.message)}</code></p></html>`;
	return new Response(html, {
		status: 503,
		headers: { 'content-type': 'text/html; charset=utf-8', 'retry-after': '3600' }
	});
}

/**
 * Issues codes and returns them as printable slips (PDF) in the same request: codes are never
 * stored, so this is the only moment they can be printed. `entry` re-issues one person's lost code
 * (the old one is revoked); otherwise every person of `group` (and `subgroup`) without a code gets one.
 */
export const POST: RequestHandler = async ({ locals, params, request, url }) => {
	const u = requireRole(locals, 'admin');
	let s;
	try {
		s = await getSurveyBySlug(db(), params.slug);
	} catch (err) {
		if (err instanceof NotFoundError) error(404, 'not_found');
		throw err;
	}
	if (s.cycleId !== Number(params.id)) error(404, 'not_found');
	const back = `/admin/cycles/${params.id}/surveys/${params.slug}/rosters`;
	// Checked before any code is issued: codes made for slips that cannot be printed would be lost.
	try {
		slipFont();
	} catch (err) {
		if (err instanceof CjkFontMissingError) return fontMissing(err);
		throw err;
	}
	let form: FormData;
	try {
		form = await request.formData();
	} catch {
		error(400, 'malformed_form');
	}
	const entry = String(form.get('entry') ?? '');
	const group = String(form.get('group') ?? '');
	const subgroup = String(form.get('subgroup') ?? '') || undefined;
	let issued: IssuedCode[];
	try {
		issued = /^\d{1,9}$/.test(entry)
			? await reissueCodes(db(), actorOf(u), s.slug, [Number(entry)], new Date(), {
					reason: 'lost'
				})
			: await issueCodes(db(), actorOf(u), s.slug, { group, subgroup });
	} catch (err) {
		if (err instanceof DomainError) {
			redirect(303, `${back}?notice=${encodeURIComponent(err.message)}`);
		}
		throw err;
	}
	if (!issued.length) redirect(303, `${back}?notice=no_new_codes`);
	const labels = new Map<string, string>();
	for (const g of await invitationGroups(db(), s)) {
		for (const sg of g.subgroups) labels.set(`${g.code}/${sg.code}`, sg.label);
	}
	const cycle = await getCycle(db(), s.cycleId);
	const pdf = await renderSlips({
		heading: cycle.name,
		surveyTitle: s.title,
		origin: url.origin,
		slug: s.slug,
		closesAt: s.closesAt,
		slips: issued.map((i) => ({
			label: i.label,
			organisation: i.organisation,
			subgroupLabel: i.subgroup ? (labels.get(`${i.group}/${i.subgroup}`) ?? i.subgroup) : null,
			code: i.code
		}))
	});
	const name = `${s.slug}-${entry ? `entry-${entry}` : group}-slips.pdf`.replace(/[^\w.-]/g, '_');
	return new Response(new Uint8Array(pdf), {
		headers: {
			'content-type': 'application/pdf',
			'content-disposition': `attachment; filename="${name}"`,
			'cache-control': 'private, no-store'
		}
	});
};
