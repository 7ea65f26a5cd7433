import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { db } from '../db';
import { isHttps } from '../env';
import { logger } from '../logger';
import { SESSION_COOKIE } from '../auth/session';
import { loadSurveyView, surveyState } from '../surveys/survey-view';
import { deviceCookieHeader, parseChannel } from './respondent-page';
import { renderFromTemplate, surveyPageKey } from './survey-page-template';
import { baseLocale, cookieName, isLocale } from '$lib/paraglide/runtime';

/**
 * The public survey page answered from its template, outside SvelteKit (registered for the
 * production server, server.js). Declines (resolves false) whenever the answer could differ from
 * what SvelteKit would render: a signed-in user, a preview, an invitation link, a survey that is
 * not open, or no template yet; SvelteKit then renders the page and keeps the template.
 */
export async function serveSurveyPage(req: IncomingMessage, res: ServerResponse): Promise<boolean> {
	const started = performance.now();
	const url = req.url ?? '';
	// NUL is refused by the app's bad-input hook with a 400: let it.
	if (/%00/i.test(url)) return false;
	const q = url.indexOf('?');
	const slug = /^\/s\/([A-Za-z0-9_-]{1,60})$/.exec(q < 0 ? url : url.slice(0, q))?.[1];
	if (!slug) return false;
	const params = new URLSearchParams(q < 0 ? '' : url.slice(q + 1));
	if (params.has('k') || params.has('preview')) return false;
	const cookies = req.headers.cookie;
	if (cookies?.includes(`${SESSION_COOKIE}=`)) return false;

	let view;
	try {
		view = await loadSurveyView(db(), slug);
	} catch {
		return false; // unknown survey or database trouble: SvelteKit gives the proper error page
	}
	if (surveyState(view.survey) !== 'open') return false;
	const unitParam = params.get('u');
	const firstUnit = unitParam && view.unitByCode.has(unitParam) ? unitParam : null;
	const channel = parseChannel(params.get('c'), firstUnit);
	const page = renderFromTemplate(surveyPageKey(slug, localeOf(cookies), firstUnit, channel), view);
	if (!page) return false;

	const requestId = String(req.headers['x-request-id'] ?? '').slice(0, 64) || randomUUID();
	const headers: Record<string, string> = Object.fromEntries(page.headers);
	headers['content-length'] = String(Buffer.byteLength(page.html));
	headers['x-request-id'] = requestId;
	const cookie = deviceCookieHeader(cookies, isHttps());
	if (cookie) headers['set-cookie'] = cookie;
	res.writeHead(200, headers);
	res.end(page.html);
	logger.info(
		{
			requestId,
			method: 'GET',
			route: '/(public)/s/[slug]',
			status: 200,
			ms: Math.round(performance.now() - started),
			template: true
		},
		'request'
	);
	return true;
}

const localeCookie = new RegExp(`(?:^|;\\s*)${cookieName}=([^;]*)`);

/** The locale paraglide's cookie strategy would pick (cookie, else the base locale). */
function localeOf(cookies: string | undefined): string {
	const value = cookies?.match(localeCookie)?.[1];
	return value && isLocale(value) ? value : baseLocale;
}

/** The production server (server.js) looks the fast path up here; importing the build must not start it. */
export function registerSurveyPageFastPath(): void {
	Reflect.set(globalThis, Symbol.for('pingyi.surveyPageFastPath'), serveSurveyPage);
}
