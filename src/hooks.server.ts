import { randomUUID } from 'node:crypto';
import { redirect, type Handle, type HandleServerError, type ServerInit } from '@sveltejs/kit';
import { sequence } from '@sveltejs/kit/hooks';
import { building } from '$app/environment';
import { paraglideMiddleware } from '$lib/paraglide/server';
import { env, isHttps } from '$lib/server/env';
import { logger } from '$lib/server/logger';
import { closeDatabase, connectDatabase, databaseDriver, db } from '$lib/server/db';
import { loadAppSecret } from '$lib/server/auth/app-secret';
import { bootstrap } from '$lib/server/bootstrap';
import {
	deleteSessionCookie,
	SESSION_COOKIE,
	setSessionCookie,
	validateSessionToken
} from '$lib/server/auth/session';
import { validateApiToken } from '$lib/server/auth/api-tokens';
import { problem } from '$lib/server/http/problem';
import { isDatabaseUnavailable } from '$lib/server/db/availability';
import { routeRule } from '$lib/server/http/route-rules';
import { startFraudScheduler } from '$lib/server/fraud/scheduler';
import { scheduleDailyStamp } from '$lib/server/invitations/rosters';
import { personaliseRenderedPage } from '$lib/server/responses/survey-page-template';
import { registerSurveyPageFastPath } from '$lib/server/responses/survey-page-fast-path';

export const init: ServerInit = async () => {
	if (building) return;
	const handle = await connectDatabase();
	await loadAppSecret(handle.db);
	await bootstrap(handle.db);
	// Anti-fraud window detectors every few minutes (unref'd timers, stopped on shutdown).
	startFraudScheduler(handle.db);
	// The production server (server.js) answers the public survey page from its template.
	registerSurveyPageFastPath();
	// Roster "answered on" days: one batch a day, just after midnight in Shanghai (unref'd timer).
	const stopStamp = scheduleDailyStamp(
		() => handle.db,
		(err) =>
			logger.error({ err: err instanceof Error ? err.message : String(err) }, 'roster stamp failed')
	);
	process.once('sveltekit:shutdown', stopStamp);
	process.once('sveltekit:shutdown', (reason: string) => {
		logger.info({ reason }, 'shutting down');
		// Every connection has closed (the server closed first). postgres.js 3.4 can leave its
		// sockets open after end() when transactions were started while it was ending (handlers of
		// clients that had gone away), and then the process never exits; so exit once the pool has
		// had its chance. Nothing acknowledged is at stake: every reply was sent after its commit.
		// PGlite is always waited for: it writes its files while closing.
		const bounded = databaseDriver() === 'postgres';
		const exit = () => setTimeout(() => process.exit(0), 500).unref();
		const closing = closeDatabase();
		void (
			bounded ? Promise.race([closing, new Promise((r) => setTimeout(r, 6_000).unref())]) : closing
		).then(exit, exit);
	});
};

const context: Handle = async ({ event, resolve }) => {
	const started = performance.now();
	event.locals.requestId = event.request.headers.get('x-request-id')?.slice(0, 64) || randomUUID();
	event.locals.user = null;
	event.locals.session = null;
	event.locals.authVia = null;
	let response: Response;
	try {
		response = await resolve(event);
	} catch (err) {
		// Errors that escape resolve (e.g. the database went away during auth) still get an answer.
		if (isDatabaseUnavailable(err)) {
			response = problem(503, 'service_unavailable', undefined, { 'retry-after': '5' });
		} else throw err;
	}
	// The API speaks problem+json even for paths and methods it does not have.
	if (
		event.url.pathname.startsWith('/api/') &&
		!response.headers.get('content-type')?.includes('json')
	) {
		if (response.status === 404 && !event.route.id) response = problem(404, 'no_such_endpoint');
		else if (response.status === 405) {
			const allow = response.headers.get('allow');
			response = problem(405, 'method_not_allowed', undefined, allow ? { allow } : {});
		}
	}
	response.headers.set('x-request-id', event.locals.requestId);
	logger.info(
		{
			requestId: event.locals.requestId,
			method: event.request.method,
			route: event.route.id,
			status: response.status,
			ms: Math.round(performance.now() - started)
		},
		'request'
	);
	return response;
};

/**
 * Input that PostgreSQL cannot store (NUL characters) or that a form action cannot parse is refused
 * here, once, rather than surfacing as a 500 from whichever query or action meets it first. JSON
 * bodies are checked by readJson.
 */
const badInput: Handle = async ({ event, resolve }) => {
	const isApi = event.url.pathname.startsWith('/api/');
	const refuse = (status: number, detail: string) =>
		isApi
			? problem(status, detail)
			: new Response(detail, { status, headers: { 'content-type': 'text/plain; charset=utf-8' } });
	if (/%00/i.test(event.url.pathname + event.url.search)) return refuse(400, 'nul_not_allowed');
	const type = event.request.headers.get('content-type') ?? '';
	const isForm = /^(multipart\/form-data|application\/x-www-form-urlencoded|text\/plain)/i;
	if (event.request.method === 'POST' && !isApi && isForm.test(type)) {
		// request.formData() cannot parse text/plain, a form encoding SvelteKit lets through.
		if (/^text\/plain/i.test(type)) return refuse(415, 'unsupported_media_type');
		let data: FormData;
		try {
			data = await event.request.clone().formData();
		} catch (err) {
			const status = (err as { status?: unknown } | null)?.status === 413 ? 413 : 400;
			return refuse(status, status === 413 ? 'payload_too_large' : 'malformed_form');
		}
		for (const [k, v] of data) {
			if (k.includes('\0') || (typeof v === 'string' && v.includes('\0'))) {
				return refuse(400, 'nul_not_allowed');
			}
		}
	}
	return resolve(event);
};

const formContentTypes = /^(application\/x-www-form-urlencoded|multipart\/form-data|text\/plain)/i;

/**
 * CSRF: a form-like POST (the only kind a foreign page can send without a CORS preflight) must come
 * from our own origin. API clients without an Origin header (scripts, integrations) are not
 * browsers; their wrong content types get 415 from the handler instead.
 */
const csrf: Handle = async ({ event, resolve }) => {
	const { request, url } = event;
	if (['POST', 'PUT', 'PATCH', 'DELETE'].includes(request.method)) {
		const type = request.headers.get('content-type') ?? '';
		const origin = request.headers.get('origin');
		const isApi = url.pathname.startsWith('/api/');
		if (formContentTypes.test(type) && origin !== url.origin && (origin !== null || !isApi)) {
			return isApi
				? problem(403, 'cross_site_request_refused')
				: new Response('Cross-site form submissions are forbidden', { status: 403 });
		}
	}
	return resolve(event);
};

const i18n: Handle = ({ event, resolve }) =>
	paraglideMiddleware(event.request, ({ request, locale }) => {
		event.request = request;
		return resolve(event, {
			transformPageChunk: ({ html }) => html.replace('%paraglide.lang%', locale)
		});
	});

const auth: Handle = async ({ event, resolve }) => {
	const bearer = event.request.headers.get('authorization');
	if (bearer?.toLowerCase().startsWith('bearer ')) {
		const found = await validateApiToken(db(), bearer.slice(7).trim());
		if (!found) return problem(401, 'invalid_or_revoked_token');
		event.locals.user = found.user;
		event.locals.authVia = 'token';
		return resolve(event);
	}
	const token = event.cookies.get(SESSION_COOKIE);
	if (token) {
		const found = await validateSessionToken(db(), token, env().SESSION_DAYS);
		if (found) {
			event.locals.user = found.user;
			event.locals.session = found.session;
			event.locals.authVia = 'session';
			if (found.renewed) setSessionCookie(event.cookies, token, found.session.expiresAt, isHttps());
		} else {
			deleteSessionCookie(event.cookies, isHttps());
		}
	}
	return resolve(event);
};

/**
 * A first, coarse guard by path. Every load, action and endpoint checks the role again itself
 * (layouts do not run for actions and endpoints); this only gives people a login redirect.
 */
const guard: Handle = async ({ event, resolve }) => {
	const rule = routeRule(event.url.pathname);
	const u = event.locals.user;
	if (rule === 'public') return resolve(event);
	const isApi = event.url.pathname.startsWith('/api/');
	if (!u) {
		if (isApi) return problem(401, 'sign_in_required');
		redirect(303, `/login?next=${encodeURIComponent(event.url.pathname + event.url.search)}`);
	}
	if (
		u.mustChangePassword &&
		event.locals.authVia === 'session' &&
		!isApi &&
		event.url.pathname !== '/account/password' &&
		event.url.pathname !== '/logout'
	) {
		redirect(303, '/account/password');
	}
	if (!rule.includes(u.role)) {
		if (isApi) return problem(403, 'forbidden');
		if (u.role === 'unit_liaison') redirect(303, '/unit');
		if (event.url.pathname.startsWith('/unit')) redirect(303, '/admin');
	}
	return resolve(event);
};

/**
 * The public survey page is rendered with placeholders for its personal values (submission id,
 * start token, proof-of-work challenge); they are filled in here, and the plain public form is
 * kept as the template server.js answers later requests from.
 */
const surveyPage: Handle = async ({ event, resolve }) => {
	const response = await resolve(event);
	const render = event.locals.surveyPage;
	if (!render || !response.headers.get('content-type')?.startsWith('text/html')) return response;
	const keep = event.request.method === 'GET' && response.status === 200 && !event.locals.user;
	const headers = new Headers(response.headers);
	// Every answer carries its own token: nothing here may be revalidated (etag) or cached.
	headers.delete('etag');
	headers.delete('content-length');
	headers.set('cache-control', 'no-store');
	const html = personaliseRenderedPage(await response.text(), render, keep, headers);
	return new Response(html, { status: response.status, headers });
};

const headers: Handle = async ({ event, resolve }) => {
	const response = await resolve(event);
	const h = response.headers;
	h.set('x-content-type-options', 'nosniff');
	// Invitation codes travel in survey links; never leak them to another site.
	// same-origin, not no-referrer: Chromium sends `Origin: null` on form posts under no-referrer,
	// which the CSRF check must refuse. Invitation codes in links still never reach another site.
	h.set('referrer-policy', 'same-origin');
	// The survey builder shows its preview in a frame of our own pages; nothing else may frame us.
	const preview =
		event.url.pathname.startsWith('/s/') && event.url.searchParams.get('preview') === '1';
	h.set('x-frame-options', preview ? 'SAMEORIGIN' : 'DENY');
	const csp = h.get('content-security-policy');
	if (preview && csp) {
		h.set(
			'content-security-policy',
			csp.replace("frame-ancestors 'none'", "frame-ancestors 'self'")
		);
	}
	h.set('permissions-policy', 'camera=(), microphone=(), geolocation=()');
	if (isHttps()) h.set('strict-transport-security', 'max-age=31536000; includeSubDomains');
	if (event.locals.user && !h.has('cache-control')) h.set('cache-control', 'private, no-store');
	return response;
};

export const handle = sequence(context, surveyPage, csrf, badInput, i18n, auth, guard, headers);

export const handleError: HandleServerError = ({ error, event, status, message }) => {
	if (status === 404) return { message: 'not_found' };
	if (isDatabaseUnavailable(error)) return { message: 'service_unavailable' };
	const id = event.locals.requestId ?? randomUUID();
	if (status >= 500) {
		logger.error({ requestId: id, err: error, route: event.route.id }, 'unhandled error');
	}
	return { message: status >= 500 ? 'internal_error' : message, id };
};
