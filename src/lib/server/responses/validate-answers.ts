import type { FieldError } from '../errors';
import type { SurveyView } from '../surveys/survey-view';
import {
	MAX_COMMENT_LENGTH,
	MAX_TEXT_ANSWER_LENGTH,
	type ResponseInput
} from '$lib/schemas/response';

export interface CleanAnswers {
	groupId: number;
	areaId: number | null;
	/** unit id, level index (1..k, 0 = don't know) and value (null = don't know), in survey order. */
	ratings: { unitId: number; level: number; value: number | null }[];
	answers: Record<string, string | string[]>;
	comments: { unitId: number | null; body: string }[];
}

/** Control characters other than newline and tab are removed from free text. */
function cleanText(s: string): string {
	// eslint-disable-next-line no-control-regex -- removing control characters is the point
	return s.replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/g, '').trim();
}

/**
 * Checks a response against the survey it answers: every unit rated with a level of the scale,
 * the group and area known, required questions answered with allowed options, texts within limits.
 * Returns every problem at once, each with the field it belongs to.
 */
export function validateAnswers(
	view: SurveyView,
	input: ResponseInput
): { ok: true; value: CleanAnswers } | { ok: false; errors: FieldError[] } {
	const errors: FieldError[] = [];
	const def = view.survey.definition;
	const g = view.groups.find((x) => x.code === input.group);
	if (!g) errors.push({ path: 'group', message: 'unknown_group' });
	if (input.subgroup && g && !g.subgroups.some((s) => s.code === input.subgroup)) {
		errors.push({ path: 'subgroup', message: 'unknown_subgroup' });
	}
	let areaId: number | null = null;
	if (input.area) {
		areaId = view.areaByCode.get(input.area) ?? null;
		if (areaId === null) errors.push({ path: 'area', message: 'unknown_area' });
	} else if (def.askArea && g?.code === 'residents' && view.areas.length) {
		errors.push({ path: 'area', message: 'required' });
	}
	if (def.askServiceUse && g?.code === 'service_recipients' && !input.serviceUse) {
		errors.push({ path: 'serviceUse', message: 'required' });
	}
	if (input.unitCode && !view.unitByCode.has(input.unitCode)) {
		errors.push({ path: 'unitCode', message: 'unknown_unit' });
	}

	const levelIndex = new Map(view.levels.map((l, i) => [l.code, i + 1]));
	const ratings: CleanAnswers['ratings'] = [];
	for (const key of Object.keys(input.ratings)) {
		if (!view.unitByCode.has(key)) errors.push({ path: `ratings.${key}`, message: 'unknown_unit' });
	}
	for (const u of view.units) {
		const answer = input.ratings[u.code];
		if (answer === undefined) {
			errors.push({ path: `ratings.${u.code}`, message: 'required' });
			continue;
		}
		if (answer === view.dontKnow.code) {
			ratings.push({ unitId: u.id, level: 0, value: null });
			continue;
		}
		const idx = levelIndex.get(answer);
		if (idx === undefined) {
			errors.push({ path: `ratings.${u.code}`, message: 'unknown_level' });
			continue;
		}
		ratings.push({ unitId: u.id, level: idx, value: view.levels[idx - 1].value });
	}

	const answers: Record<string, string | string[]> = {};
	const given = input.answers ?? {};
	const questionIds = new Set(view.questions.map((q) => q.id));
	for (const key of Object.keys(given)) {
		if (!questionIds.has(key)) errors.push({ path: `answers.${key}`, message: 'unknown_question' });
	}
	for (const q of view.questions) {
		const a = given[q.id];
		const path = `answers.${q.id}`;
		const empty = a === undefined || a === '' || (Array.isArray(a) && a.length === 0);
		if (empty) {
			if (q.required) errors.push({ path, message: 'required' });
			continue;
		}
		const options = new Set((q.options ?? []).map((o) => o.code));
		if (q.type === 'text') {
			if (typeof a !== 'string') errors.push({ path, message: 'must_be_text' });
			else if (a.length > (q.maxLength ?? MAX_TEXT_ANSWER_LENGTH)) {
				errors.push({ path, message: 'too_long' });
			} else answers[q.id] = cleanText(a);
		} else if (q.type === 'multiple') {
			const list = Array.isArray(a) ? a : [a];
			if (list.some((x) => !options.has(x))) errors.push({ path, message: 'unknown_option' });
			else if (new Set(list).size !== list.length) {
				errors.push({ path, message: 'duplicate_option' });
			} else answers[q.id] = list;
		} else {
			if (typeof a !== 'string' || !options.has(a)) {
				errors.push({ path, message: 'unknown_option' });
			} else answers[q.id] = a;
		}
	}
	if (input.serviceUse) answers._serviceUse = input.serviceUse;

	const comments: CleanAnswers['comments'] = [];
	for (const [key, raw] of Object.entries(input.comments ?? {})) {
		const path = `comments.${key}`;
		const body = cleanText(raw);
		if (!body) continue;
		if (body.length > MAX_COMMENT_LENGTH) {
			errors.push({ path, message: 'too_long' });
			continue;
		}
		if (key === 'general') {
			if (!def.generalComment) errors.push({ path, message: 'comments_not_allowed' });
			else comments.push({ unitId: null, body });
			continue;
		}
		const u = view.unitByCode.get(key);
		if (!u) errors.push({ path, message: 'unknown_unit' });
		else if (!def.unitComments) errors.push({ path, message: 'comments_not_allowed' });
		else comments.push({ unitId: u.id, body });
	}

	if (errors.length || !g) return { ok: false, errors };
	return { ok: true, value: { groupId: g.id, areaId, ratings, answers, comments } };
}
