/** The shape every form action failure has (see $lib/server/http/form-failure). */
export interface FailureView {
	errors: Record<string, string[] | undefined>;
	message?: string;
	rowErrors?: { row: number; column: string; message: string }[];
	values?: Record<string, string>;
	form?: string;
}

/**
 * The failure of one form on a page with several (`form` names which one), typed loosely on
 * purpose: action results are a union of every action's return type.
 */
export function failureOf(form: unknown, id?: string): FailureView | undefined {
	if (!form || typeof form !== 'object' || !('errors' in form)) return undefined;
	const f = form as FailureView;
	if (id !== undefined && f.form !== id) return undefined;
	return f;
}
