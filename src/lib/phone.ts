/**
 * Mainland China mobile numbers (11 digits, 1[3-9]…), as people type them: spaces, hyphens,
 * brackets, a +86 / 0086 prefix and full-width digits (a Chinese input method) are forgiven.
 * Client-safe: the roster import, the phone-verification API and the survey page agree on it.
 * Returns the 11 digits, or null when the input is not a mobile number.
 */
export function normalisePhone(typed: string | null | undefined): string | null {
	if (typeof typed !== 'string' || typed.length > 40) return null;
	const half = typed.replace(/[\uFF10-\uFF19\uFF0B]/g, (c) =>
		String.fromCharCode(c.charCodeAt(0) - 0xfee0)
	);
	let s = half.replace(/[\s\-()（）.\u3000]/g, '');
	if (s.startsWith('+86')) s = s.slice(3);
	else if (s.startsWith('0086')) s = s.slice(4);
	else if (s.length === 13 && s.startsWith('86')) s = s.slice(2);
	return /^1[3-9]\d{9}$/.test(s) ? s : null;
}

/** A 6-digit SMS code as typed (full-width digits and spaces forgiven), or null. */
export function normaliseSmsCode(typed: string | null | undefined): string | null {
	if (typeof typed !== 'string' || typed.length > 20) return null;
	const s = typed
		.replace(/[\uFF10-\uFF19]/g, (c) => String.fromCharCode(c.charCodeAt(0) - 0xfee0))
		.replace(/[\s\-\u3000]/g, '');
	return /^\d{6}$/.test(s) ? s : null;
}
