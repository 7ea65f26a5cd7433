import { fail, type ActionFailure } from '@sveltejs/kit';
import type { z } from 'zod';
import { DomainError } from '../errors';
import { ImportRowsError } from '../cycles/bulk-import';
import type { RowError } from '../imports/row-error';

export interface FormFailure {
	/** field path → error codes (translated on the page by errorText). */
	errors: Record<string, string[]>;
	/** A message for the whole form. */
	message?: string;
	rowErrors?: RowError[];
	values?: Record<string, unknown>;
	/** Which form on the page failed, when a page has several. */
	form?: string;
}

export function zodFailure(
	error: z.ZodError,
	values?: Record<string, unknown>,
	form?: string
): ActionFailure<FormFailure> {
	const errors: Record<string, string[]> = {};
	for (const issue of error.issues) {
		const key = issue.path.map(String).join('.') || '_';
		(errors[key] ??= []).push(issue.message);
	}
	return fail(400, { errors, values, form });
}

/**
 * Maps an expected error from a service to a form failure; anything else is rethrown so that
 * handleError logs it. Used by every form action so services stay the single source of rules.
 */
export function domainFailure(
	err: unknown,
	values?: Record<string, unknown>,
	form?: string
): ActionFailure<FormFailure> {
	if (err instanceof ImportRowsError) {
		return fail(400, { errors: {}, message: 'import_failed', rowErrors: err.errors, values, form });
	}
	if (err instanceof DomainError) {
		const errors: Record<string, string[]> = {};
		for (const f of err.fields ?? []) (errors[f.path] ??= []).push(f.message);
		return fail(err.status, { errors, message: err.message, values, form });
	}
	throw err;
}

/** FormData → plain object of strings (repeated keys become arrays); files are left out. */
export function formValues(data: FormData): Record<string, string> {
	const out: Record<string, string> = {};
	for (const [k, v] of data.entries()) {
		if (typeof v === 'string' && k !== '__proto__' && k !== 'constructor') out[k] = v;
	}
	return out;
}
