import { db } from '$lib/server/db';
import { api, problem } from '$lib/server/http/problem';
import { requireRole } from '$lib/server/auth/guards';
import { NotFoundError } from '$lib/server/errors';
import { getCycle } from '$lib/server/cycles/cycles';
import { getSurveyBySlug } from '$lib/server/surveys/surveys';
import { surveyUnits } from '$lib/server/surveys/survey-units';
import { CjkFontMissingError } from '$lib/server/exports/cjk-font';
import { renderPosters } from '$lib/server/exports/posters';
import * as m from '$lib/paraglide/messages';
import type { RequestHandler } from './$types';

/** A browser following the link gets a readable page; other clients a problem document. */
function fontMissing(request: Request, err: CjkFontMissingError): Response {
	if (!(request.headers.get('accept') ?? '').includes('text/html')) {
		return problem(503, err.message);
	}
	const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;');
	const html = `<!doctype html><html lang="zh-CN"><meta charset="utf-8"><title>${esc(
		m.qr_font_missing_title()
	)}</title><h1>${esc(m.qr_font_missing_title())}</h1><p>${esc(
		m.err_cjk_font_missing()
	)}</p><p><code>${esc(err.message)}</code></p></html>`;
	return new Response(html, {
		status: 503,
		headers: { 'content-type': 'text/html; charset=utf-8', 'retry-after': '3600' }
	});
}

/** A4 posters as one PDF: one unit with `?u=`, otherwise every unit of the survey, a page each. */
export const GET: RequestHandler = api(async ({ locals, params, url, request }) => {
	requireRole(locals, 'admin', 'viewer');
	const s = await getSurveyBySlug(db(), params.slug);
	const all = await surveyUnits(db(), s);
	const unitCode = url.searchParams.get('u') || null;
	const units = unitCode ? all.filter((u) => u.code === unitCode) : all;
	if (!units.length) throw new NotFoundError(unitCode ? 'unknown_unit' : 'survey_has_no_units');
	const c = await getCycle(db(), s.cycleId);
	let pdf: Buffer;
	try {
		pdf = await renderPosters({
			heading: c.name,
			surveyTitle: s.title,
			origin: url.origin,
			slug: s.slug,
			units,
			closesAt: s.closesAt
		});
	} catch (err) {
		if (err instanceof CjkFontMissingError) return fontMissing(request, err);
		throw err;
	}
	const name = `${s.slug}-${unitCode ?? 'all'}-posters.pdf`.replace(/[^\w.-]/g, '_');
	return new Response(new Uint8Array(pdf), {
		headers: {
			'content-type': 'application/pdf',
			'content-disposition': `inline; filename="${name}"`,
			'cache-control': 'private, no-store'
		}
	});
});
