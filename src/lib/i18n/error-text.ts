import * as m from '$lib/paraglide/messages';

type MessageFn = () => string;

/**
 * Error codes (from zod schemas and domain errors) are stable and untranslated; this turns one into
 * the reader's language, falling back to the code so an unknown one is still shown, not hidden.
 */
export function errorText(code: string | undefined | null): string {
	if (!code) return '';
	const base = code.split(':')[0].trim();
	const fn = (m as unknown as Record<string, MessageFn | undefined>)[`err_${base}`];
	return typeof fn === 'function' ? fn() : code;
}
