import type { FieldError } from '../errors';
import type { Survey } from '../db/schema';
import { surveyToInput } from './surveys';
import { fromShanghaiLocal } from '$lib/shanghai-time';
import type { Question } from '$lib/schemas/survey';

export interface BuilderCandidate {
	/** What surveyInputSchema then validates (the same schema as the API's). */
	candidate: Record<string, unknown>;
	/** Problems found while reading the form, before the schema (bad dates, unreadable JSON). */
	errors: FieldError[];
}

const strings = (fd: FormData, key: string) =>
	fd.getAll(key).filter((v): v is string => typeof v === 'string');

function text(fd: FormData, key: string): string {
	const v = fd.get(key);
	return typeof v === 'string' ? v : '';
}

function readDate(fd: FormData, key: 'opensAt' | 'closesAt', errors: FieldError[]) {
	const d = fromShanghaiLocal(text(fd, key));
	if (d === null) errors.push({ path: key, message: 'invalid_datetime' });
	return d ?? undefined;
}

function readQuestions(fd: FormData, errors: FieldError[]): unknown[] {
	const raw = text(fd, 'questions').trim();
	if (!raw) return [];
	try {
		const parsed: unknown = JSON.parse(raw);
		if (Array.isArray(parsed)) return parsed;
	} catch {
		// reported below
	}
	errors.push({ path: 'questions', message: 'malformed_json' });
	return [];
}

/**
 * Reads the builder's form (plain fields plus the questions editor's JSON in a hidden field) into a
 * candidate SurveyInput. A published survey keeps its stored structure whatever the form says (the
 * structural inputs are disabled, so absent): only the title, introduction, window and the wording of
 * questions and options are taken from the form, which the service then allows.
 */
export function readBuilderForm(fd: FormData, stored: Survey): BuilderCandidate {
	const errors: FieldError[] = [];
	const title = text(fd, 'title');
	const description = text(fd, 'description').trim() || undefined;
	const opensAt = readDate(fd, 'opensAt', errors);
	const closesAt = readDate(fd, 'closesAt', errors);
	const questions = readQuestions(fd, errors);
	const current = surveyToInput(stored);

	if (stored.status !== 'draft') {
		return {
			candidate: {
				...current,
				title,
				description,
				opensAt,
				closesAt,
				questions: current.questions.map((q) => withWording(q, questions))
			},
			errors
		};
	}

	let units: unknown = 'all';
	const mode = text(fd, 'unitsMode');
	if (mode === 'categories') {
		const categories = strings(fd, 'unitCategories');
		if (!categories.length) errors.push({ path: 'units', message: 'units_required' });
		units = { categories };
	} else if (mode === 'list') {
		units = strings(fd, 'unitCodes');
		if (!(units as string[]).length) errors.push({ path: 'units', message: 'units_required' });
	}
	const scale = text(fd, 'scale');
	return {
		candidate: {
			slug: stored.slug,
			title,
			description,
			groups: strings(fd, 'groups'),
			units,
			// A custom scale comes only through the API; the form can keep it but not edit it.
			scale: scale === 'custom' ? current.scale : scale || undefined,
			questions,
			access: text(fd, 'access') || undefined,
			askArea: fd.has('askArea'),
			askServiceUse: fd.has('askServiceUse'),
			unitComments: fd.has('unitComments'),
			generalComment: fd.has('generalComment'),
			opensAt,
			closesAt
		},
		errors
	};
}

/** A stored question with the texts the form gives for it (matched by id and option code). */
function withWording(q: Question, edited: unknown[]): Question {
	const e = edited.find(
		(x): x is Partial<Question> =>
			typeof x === 'object' && x !== null && (x as { id?: unknown }).id === q.id
	);
	if (!e) return q;
	const label = (code: string, fallback: string) => {
		const o = Array.isArray(e.options) ? e.options.find((x) => x?.code === code) : undefined;
		return typeof o?.label === 'string' ? o.label : fallback;
	};
	return {
		...q,
		text: typeof e.text === 'string' ? e.text : q.text,
		options: q.options?.map((o) => ({ ...o, label: label(o.code, o.label) }))
	};
}
