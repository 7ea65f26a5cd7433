import { createHash, randomUUID } from 'node:crypto';
import type { SurveyView } from '../surveys/survey-view';
import { issueStart } from './respondent-page';

/**
 * The survey form is the same markup for every respondent of one survey, locale and entry link;
 * only three values in it are personal: the submission id, the signed start token and its
 * proof-of-work challenge. SvelteKit renders the page with placeholders for those three, this
 * module fills them in per request, and keeps the rendered page as a template so that later
 * requests skip rendering altogether (the fast path in `server.js`, DESIGN.md §8: the page
 * is the busiest route of an evening push).
 */

/** Placeholders survive HTML attribute escaping unchanged: letters and dashes only. */
export const personalPlaceholders = {
	submissionId: 'py-personal-submission-id',
	startToken: 'py-personal-start-token',
	challenge: 'py-personal-challenge'
} as const;
type Slot = keyof typeof personalPlaceholders;
const slotOf = new Map<string, Slot>(
	Object.entries(personalPlaceholders).map(([k, v]) => [v, k as Slot])
);
const placeholderPattern = new RegExp(Object.values(personalPlaceholders).join('|'), 'g');

/** What the page's load function found out, for the template cache (set on `event.locals`). */
export interface SurveyPageRender {
	key: string;
	surveyId: number;
	fingerprint: string;
	/** False for previews and personal invitation links: those are never kept. */
	cacheable: boolean;
}

interface Template {
	fingerprint: string;
	surveyId: number;
	/** Markup between placeholders: parts[0] slots[0] parts[1] … */
	parts: string[];
	slots: Slot[];
	/** Response headers of the SvelteKit render (CSP and the other security headers). */
	headers: [string, string][];
}

/** A county has a few hundred entry links (one QR code per unit) per locale at most. */
const MAX_TEMPLATES = 500;
const templates = new Map<string, Template>();

export function surveyPageKey(
	slug: string,
	locale: string,
	firstUnit: string | null,
	channel: string
) {
	return `${slug}\n${locale}\n${firstUnit ?? ''}\n${channel}`;
}

const fingerprints = new WeakMap<SurveyView, string>();

/**
 * Identifies the content a page was rendered from. The survey view is reloaded every few seconds;
 * a template stays valid while what it shows (texts, units, areas, options) is unchanged.
 */
export function viewFingerprint(view: SurveyView): string {
	let f = fingerprints.get(view);
	if (!f) {
		f = createHash('sha256').update(JSON.stringify(view)).digest('base64url');
		fingerprints.set(view, f);
	}
	return f;
}

function split(html: string): { parts: string[]; slots: Slot[] } {
	const parts: string[] = [];
	const slots: Slot[] = [];
	let last = 0;
	for (const m of html.matchAll(placeholderPattern)) {
		parts.push(html.slice(last, m.index));
		slots.push(slotOf.get(m[0])!);
		last = m.index + m[0].length;
	}
	parts.push(html.slice(last));
	return { parts, slots };
}

const attributeEscapes: Record<string, string> = {
	'&': '&amp;',
	'"': '&quot;',
	'<': '&lt;',
	'>': '&gt;'
};
const escapeAttribute = (s: string) => s.replace(/[&"<>]/g, (c) => attributeEscapes[c]);

function fill(parts: string[], slots: Slot[], surveyId: number, now: Date): string {
	if (slots.length === 0) return parts[0];
	const start = issueStart(surveyId, now);
	const values: Record<Slot, string> = {
		submissionId: randomUUID(),
		startToken: escapeAttribute(start.token),
		challenge: escapeAttribute(JSON.stringify(start.challenge))
	};
	let html = parts[0];
	for (let i = 0; i < slots.length; i++) html += values[slots[i]] + parts[i + 1];
	return html;
}

/**
 * Fills the personal values into a page SvelteKit rendered, and keeps it as a template when it is
 * the plain public form (status 200, nobody signed in, no invitation code, no preview).
 */
export function personaliseRenderedPage(
	html: string,
	render: SurveyPageRender,
	keep: boolean,
	headers: Headers,
	now = new Date()
): string {
	const { parts, slots } = split(html);
	if (keep && render.cacheable && slots.length > 0) {
		if (templates.size >= MAX_TEMPLATES) templates.delete(templates.keys().next().value!);
		const kept: [string, string][] = [];
		headers.forEach((value, name) => {
			if (!perRequestHeaders.has(name)) kept.push([name, value]);
		});
		templates.set(render.key, {
			fingerprint: render.fingerprint,
			surveyId: render.surveyId,
			parts,
			slots,
			headers: kept
		});
	}
	return fill(parts, slots, render.surveyId, now);
}

/** Headers that belong to one response, never to the template. */
const perRequestHeaders = new Set([
	'set-cookie',
	'x-request-id',
	'etag',
	'content-length',
	'date',
	'x-sveltekit-page'
]);

/** A kept page for this key, if it was rendered from the view now current; else null. */
export function renderFromTemplate(
	key: string,
	view: SurveyView,
	now = new Date()
): { html: string; headers: [string, string][] } | null {
	const t = templates.get(key);
	if (!t) return null;
	if (t.fingerprint !== viewFingerprint(view) || t.surveyId !== view.survey.id) {
		templates.delete(key);
		return null;
	}
	return { html: fill(t.parts, t.slots, t.surveyId, now), headers: t.headers };
}

export function forgetSurveyPages(): void {
	templates.clear();
}
