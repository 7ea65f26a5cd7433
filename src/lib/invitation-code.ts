/**
 * Invitation codes: 10 characters from 32 that cannot be confused (no 0/O/1/I), 50 bits, shown as
 * XXXXX-XXXXX. Client-safe: the page script and the server normalise typed codes the same way.
 */
export const CODE_ALPHABET = '23456789ABCDEFGHJKLMNPQRSTUVWXYZ';
export const CODE_LENGTH = 10;

/**
 * What a person types, made canonical: case, spaces, hyphens and full-width characters (typed with a
 * Chinese input method) are forgiven. Returns null if anything else is left.
 */
export function normaliseCode(typed: string): string | null {
	const half = typed.replace(/[\uFF01-\uFF5E]/g, (c) =>
		String.fromCharCode(c.charCodeAt(0) - 0xfee0)
	);
	const s = half.toUpperCase().replace(/[\s\-_\u3000.·]/g, '');
	if (s.length !== CODE_LENGTH) return null;
	for (const ch of s) if (!CODE_ALPHABET.includes(ch)) return null;
	return s;
}

export function formatCode(code: string): string {
	return `${code.slice(0, 5)}-${code.slice(5)}`;
}
