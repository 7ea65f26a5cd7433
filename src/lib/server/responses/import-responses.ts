import { sql } from 'drizzle-orm';
import type { Db } from '../db/client';
import { rowsOf } from '../db/rows';
import { DomainError, type FieldError } from '../errors';
import { appendAudit, type Actor } from '../audit/audit-log';
import { zodFieldErrors } from '../http/problem';
import { parseStrictJson, StrictJsonError } from '../http/strict-json';
import { forgetSurveyView, loadSurveyView, surveyState } from '../surveys/survey-view';
import { importLineSchema, type ImportLine } from '$lib/schemas/response-import';
import type { ResponseInput } from '$lib/schemas/response';
import { submitResponse, type SubmitContext } from './submit-response';
import { validateAnswers } from './validate-answers';
import { runRecentDetectors } from '../fraud/detectors';
import { requiresInvitation } from '../invitations/redeem';

/**
 * The NDJSON importer of paper and historical submissions (DESIGN.md §12): every line goes through
 * the one submit pipeline (same validation, same checks, minus start token and proof of work) with
 * its own clock, in `receivedAt` order. Addresses and identities are hashed by the pipeline and
 * never stored. All or nothing by default (one transaction; each line in a savepoint); with
 * `partial`, good lines are stored and bad ones reported.
 */

export const MAX_IMPORT_LINES = 500_000;
export const MAX_LINE_BYTES = 64 * 1024;

export interface LineError {
	line: number;
	errors: FieldError[];
}

export interface ImportResult {
	imported: number;
	rejected: number;
	errors: LineError[];
	/** True when nothing was stored because of errors (all-or-nothing). */
	rolledBack: boolean;
}

export interface TextLine {
	line: number;
	text: string;
}

/** Splits a byte stream into numbered UTF-8 lines without holding the whole body as one string. */
export async function* ndjsonLines(
	body: ReadableStream<Uint8Array> | null
): AsyncGenerator<TextLine> {
	if (!body) return;
	const decoder = new TextDecoder('utf-8', { fatal: true });
	const reader = body.getReader();
	let buffer = '';
	let line = 0;
	const tooLong = () =>
		new DomainError(
			413,
			'payload_too_large',
			`line ${line + 1} longer than ${MAX_LINE_BYTES} bytes`
		);
	for (;;) {
		let chunk: ReadableStreamReadResult<Uint8Array>;
		try {
			chunk = await reader.read();
		} catch (err) {
			if ((err as { status?: unknown } | null)?.status === 413) {
				throw new DomainError(413, 'payload_too_large', 'body too large');
			}
			throw new DomainError(400, 'unreadable_body', 'unreadable_body');
		}
		if (chunk.done) break;
		try {
			buffer += decoder.decode(chunk.value, { stream: true });
		} catch {
			throw new DomainError(400, 'invalid_utf8', `invalid UTF-8 near line ${line + 1}`);
		}
		let nl: number;
		while ((nl = buffer.indexOf('\n')) >= 0) {
			line++;
			const text = buffer.slice(0, nl).replace(/\r$/, '');
			buffer = buffer.slice(nl + 1);
			if (text.length > MAX_LINE_BYTES) throw tooLong();
			yield { line, text };
		}
		if (buffer.length > MAX_LINE_BYTES) throw tooLong();
	}
	try {
		buffer += decoder.decode();
	} catch {
		throw new DomainError(400, 'invalid_utf8', 'invalid UTF-8 at the end');
	}
	if (buffer.trim()) yield { line: line + 1, text: buffer.replace(/\r$/, '') };
}

function containsNul(value: unknown): boolean {
	if (typeof value === 'string') return value.includes('\0');
	if (Array.isArray(value)) return value.some(containsNul);
	if (value && typeof value === 'object') {
		return Object.entries(value).some(([k, v]) => k.includes('\0') || containsNul(v));
	}
	return false;
}

/** One line → a record, or its errors. */
export function parseImportLine(
	text: string
): { ok: true; value: ImportLine } | { ok: false; errors: FieldError[] } {
	let raw: unknown;
	try {
		raw = parseStrictJson(text);
	} catch (err) {
		const why = err instanceof StrictJsonError ? err.message.split(' at ')[0] : 'malformed_json';
		return {
			ok: false,
			errors: [
				{ path: '(line)', message: why.startsWith('duplicate_key') ? why : 'malformed_json' }
			]
		};
	}
	if (containsNul(raw)) {
		return { ok: false, errors: [{ path: '(line)', message: 'nul_not_allowed' }] };
	}
	const parsed = importLineSchema.safeParse(raw);
	if (!parsed.success) return { ok: false, errors: zodFieldErrors(parsed.error) };
	return { ok: true, value: parsed.data };
}

function toInput(l: ImportLine): ResponseInput {
	return {
		submissionId: l.submissionId,
		// The importer's lines carry no start token; the pipeline does not read it for these sources.
		startToken: 'import',
		group: l.group,
		subgroup: l.subgroup,
		area: l.area,
		unitCode: l.unitCode,
		channel: l.channel ?? (l.source === 'paper' ? 'paper' : undefined),
		serviceUse: l.serviceUse,
		ratings: l.ratings,
		answers: l.answers,
		comments: l.comments
	};
}

function contextOf(l: ImportLine): SubmitContext {
	return {
		now: new Date(l.receivedAt),
		startedAt: l.startedAt ? new Date(l.startedAt) : undefined,
		clientAddress: l.network?.ip ?? 'unknown',
		userAgent: l.userAgent ?? null,
		deviceCookie: l.identity?.deviceCookie ?? null,
		phone: l.identity?.phone ?? null,
		openid: l.identity?.openid ?? null,
		source: l.source
	};
}

/** Errors a pipeline failure becomes on its line (status codes mean the same as in the API). */
function lineErrors(err: unknown): FieldError[] | null {
	if (!(err instanceof DomainError)) return null;
	if (err.fields?.length) return err.fields;
	if (err.status === 410 || err.message === 'survey_not_open_yet') {
		return [{ path: 'receivedAt', message: 'outside_survey_window' }];
	}
	return [{ path: '(line)', message: err.message }];
}

class Abort extends Error {}

export async function importResponses(
	db: Db,
	actor: Actor,
	slug: string,
	lines: AsyncIterable<TextLine>,
	options: { partial?: boolean; progress?: (done: number, total: number) => Promise<void> } = {}
): Promise<ImportResult> {
	forgetSurveyView(slug);
	const view = await loadSurveyView(db, slug);
	if (view.survey.status === 'draft') {
		throw new DomainError(409, 'conflict', 'survey_not_published');
	}
	if (view.survey.status === 'closed') throw new DomainError(410, 'gone', 'survey_closed');

	// 1. Parse and validate every line against the survey before touching the database.
	const errors = new Map<number, FieldError[]>();
	const records: { line: number; value: ImportLine }[] = [];
	const seen = new Map<string, number>();
	let count = 0;
	for await (const { line, text } of lines) {
		if (!text.trim()) continue;
		if (++count > MAX_IMPORT_LINES) {
			throw new DomainError(413, 'payload_too_large', `more than ${MAX_IMPORT_LINES} lines`);
		}
		const parsed = parseImportLine(text);
		if (!parsed.ok) {
			errors.set(line, parsed.errors);
			continue;
		}
		const l = parsed.value;
		const problems: FieldError[] = [];
		const first = seen.get(l.submissionId);
		if (first !== undefined) {
			problems.push({ path: 'submissionId', message: `duplicate_submission_id (line ${first})` });
		} else seen.set(l.submissionId, line);
		const state = surveyState(view.survey, new Date(l.receivedAt));
		if (state !== 'open') problems.push({ path: 'receivedAt', message: 'outside_survey_window' });
		if (requiresInvitation(view, l.group)) {
			// Invitation codes are single-use and burned live; imports cannot carry them.
			problems.push({ path: 'group', message: 'invitation_group_not_importable' });
		}
		const checked = validateAnswers(view, toInput(l));
		if (!checked.ok) problems.push(...checked.errors);
		if (problems.length) errors.set(line, problems);
		else records.push({ line, value: l });
	}
	// Already stored: a duplicate, not a silent no-op (the API's retry semantics do not apply here).
	const ids = records.map((r) => r.value.submissionId);
	for (let i = 0; i < ids.length; i += 5_000) {
		const chunk = ids.slice(i, i + 5_000);
		const stored = rowsOf<{ client_id: string }>(
			await db.execute(sql`
				select client_id from submissions where survey_id = ${view.survey.id}
					and client_id in (select x::uuid from jsonb_array_elements_text(${JSON.stringify(chunk)}::jsonb) as t(x))`)
		);
		const dup = new Set(stored.map((s) => s.client_id));
		for (const r of records) {
			if (dup.has(r.value.submissionId)) {
				errors.set(r.line, [{ path: 'submissionId', message: 'duplicate_submission_id' }]);
			}
		}
	}
	const good = records
		.filter((r) => !errors.has(r.line))
		.sort(
			(a, b) => Date.parse(a.value.receivedAt) - Date.parse(b.value.receivedAt) || a.line - b.line
		);
	const report = (): LineError[] =>
		[...errors.entries()].sort((a, b) => a[0] - b[0]).map(([line, e]) => ({ line, errors: e }));
	if (errors.size && !options.partial) {
		return { imported: 0, rejected: errors.size, errors: report(), rolledBack: true };
	}

	// 2. The pipeline, line by line, in receivedAt order.
	let imported = 0;
	const total = good.length;
	const runLine = async (handle: Db, r: { line: number; value: ImportLine }) => {
		try {
			const res = await submitResponse(handle, slug, toInput(r.value), contextOf(r.value));
			if (res.httpStatus === 201) imported++;
			else errors.set(r.line, [{ path: 'submissionId', message: 'duplicate_submission_id' }]);
		} catch (err) {
			const e = lineErrors(err);
			if (!e) throw err;
			errors.set(r.line, e);
		}
	};
	if (options.partial) {
		for (let i = 0; i < good.length; i++) {
			await runLine(db, good[i]);
			if (i % 200 === 0) await options.progress?.(i, total);
		}
	} else {
		try {
			await db.transaction(async (tx) => {
				for (let i = 0; i < good.length; i++) {
					// The pipeline's own transaction becomes a savepoint inside this one.
					await runLine(tx as unknown as Db, good[i]);
					if (errors.size) throw new Abort();
					if (i % 200 === 0) await options.progress?.(i, total);
				}
			});
		} catch (err) {
			if (!(err instanceof Abort)) throw err;
			return { imported: 0, rejected: errors.size, errors: report(), rolledBack: true };
		}
	}
	await options.progress?.(total, total);
	await appendAudit(db, actor, {
		action: 'responses.import',
		targetType: 'survey',
		targetId: slug,
		cycleId: view.cycleId,
		detail: { imported, rejected: errors.size, partial: !!options.partial }
	});
	// Imported answers are old: the scheduler only looks at recent hours, so the windows of the whole
	// survey are evaluated once now.
	if (imported) await runRecentDetectors(db, slug, new Date(), { full: true });
	return { imported, rejected: errors.size, errors: report(), rolledBack: false };
}
