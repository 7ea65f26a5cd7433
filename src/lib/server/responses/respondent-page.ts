import { randomBytes } from 'node:crypto';
import type { Cookies } from '@sveltejs/kit';
import { appSecretLoaded } from '../auth/app-secret';
import type { SurveyView } from '../surveys/survey-view';
import { issueStartToken } from './start-token';
import { createPowChallenge, POW_LIFETIME_MS } from './proof-of-work';
import { channels, type Channel } from '$lib/schemas/response';

export const DEVICE_COOKIE = 'py_d';

const DEVICE_COOKIE_MAX_AGE = 365 * 24 * 3600;
const deviceCookiePattern = /^[A-Za-z0-9_-]{16,64}$/;
const deviceCookieInHeader = new RegExp(`(?:^|;\\s*)${DEVICE_COOKIE}=([^;]*)`);

/** The anonymous device cookie: a random value kept for a year; only its keyed hash is stored. */
export function deviceCookie(cookies: Cookies, secure: boolean): string {
	let value = cookies.get(DEVICE_COOKIE);
	if (!value || !deviceCookiePattern.test(value)) {
		value = randomBytes(16).toString('base64url');
		cookies.set(DEVICE_COOKIE, value, {
			path: '/',
			httpOnly: true,
			sameSite: 'lax',
			secure,
			maxAge: DEVICE_COOKIE_MAX_AGE
		});
	}
	return value;
}

/**
 * The same cookie for a response written outside SvelteKit (the survey page fast path): the
 * Set-Cookie header when the request's cookie header has no valid device cookie, else null.
 */
export function deviceCookieHeader(
	cookieHeader: string | undefined,
	secure: boolean
): string | null {
	const m = cookieHeader?.match(deviceCookieInHeader);
	if (m && deviceCookiePattern.test(m[1])) return null;
	const value = randomBytes(16).toString('base64url');
	return `${DEVICE_COOKIE}=${value}; Max-Age=${DEVICE_COOKIE_MAX_AGE}; Path=/; HttpOnly; SameSite=Lax${secure ? '; Secure' : ''}`;
}

/** A fresh start token and its bound proof-of-work challenge, as the page and the API hand out. */
export function issueStart(surveyId: number, now = new Date()) {
	const key = appSecretLoaded();
	const { token, nonce } = issueStartToken(key, surveyId, now);
	const challenge = createPowChallenge(key, nonce, new Date(now.getTime() + POW_LIFETIME_MS));
	return { token, challenge };
}

export function parseChannel(c: string | null, unitCode: string | null): Channel {
	if (c && (channels as readonly string[]).includes(c)) return c as Channel;
	return unitCode ? 'qr' : 'link';
}

/** The public definition of a survey (DESIGN.md §12): what a client needs to render and submit it. */
export function publicDefinition(view: SurveyView, locale: 'zh' | 'en') {
	const s = view.survey;
	const def = s.definition;
	return {
		slug: s.slug,
		title: s.title,
		description: def.description ?? '',
		groups: view.groups.map((g) => ({
			code: g.code,
			label: g.label,
			identity: g.identity,
			subgroups: g.subgroups
		})),
		areas: view.areas.map((a) => ({ code: a.code, name: a.name, parent: a.parentCode })),
		units: view.units.map((u) => ({ code: u.code, name: u.name, category: u.category })),
		scale: {
			levels: view.levels.map((l) => ({ code: l.code, label: l.label[locale], value: l.value })),
			dontKnow: { code: view.dontKnow.code, label: view.dontKnow.label[locale] }
		},
		// An attention item is shown as a plain single-choice question: its answer is never revealed.
		questions: view.questions.map((q) => ({
			id: q.id,
			type: q.type === 'instructed' ? 'single' : q.type,
			text: q.text,
			required: q.required,
			...(q.options ? { options: q.options } : {})
		})),
		askArea: def.askArea,
		askServiceUse: def.askServiceUse,
		unitComments: def.unitComments,
		generalComment: def.generalComment,
		access: def.access,
		closesAt: s.closesAt
	};
}
