import { db } from '$lib/server/db';
import { api } from '$lib/server/http/problem';
import { requireRole } from '$lib/server/auth/guards';
import { NotFoundError, ValidationError } from '$lib/server/errors';
import { getSurveyBySlug } from '$lib/server/surveys/surveys';
import { surveyUnits } from '$lib/server/surveys/survey-units';
import { qrFormats, qrPng, qrSvg, surveyLink, type QrFormat } from '$lib/server/exports/qr-codes';
import type { RequestHandler } from './$types';

/**
 * The QR code of a survey (`?format=svg|png`), or of one of its units (`?u=`), pointing at the public
 * origin this request came in on (behind a proxy that is ORIGIN, which adapter-node applies).
 */
export const GET: RequestHandler = api(async ({ locals, params, url }) => {
	requireRole(locals, 'admin', 'viewer');
	const format = (url.searchParams.get('format') ?? 'png') as QrFormat;
	if (!qrFormats.includes(format)) {
		throw new ValidationError('invalid_input', [{ path: 'format', message: 'invalid_format' }]);
	}
	const s = await getSurveyBySlug(db(), params.slug);
	const unitCode = url.searchParams.get('u') || null;
	if (unitCode && !(await surveyUnits(db(), s)).some((u) => u.code === unitCode)) {
		throw new NotFoundError('unknown_unit');
	}
	const link = surveyLink(url.origin, s.slug, unitCode);
	const name = `${s.slug}${unitCode ? `-${unitCode}` : ''}-qr.${format}`;
	const headers = {
		'content-disposition': `inline; filename="${name.replace(/[^\w.-]/g, '_')}"`,
		'cache-control': 'private, no-store'
	};
	if (format === 'svg') {
		return new Response(await qrSvg(link), {
			headers: { ...headers, 'content-type': 'image/svg+xml; charset=utf-8' }
		});
	}
	return new Response(new Uint8Array(await qrPng(link)), {
		headers: { ...headers, 'content-type': 'image/png' }
	});
});
