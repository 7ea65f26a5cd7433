import { existsSync } from 'node:fs';
import { DomainError } from '../errors';

export interface CjkFont {
	path: string;
	/** The PostScript name of the face to take from a collection (.ttc); pdfkit needs it. */
	family: string;
}

/**
 * Where a Simplified Chinese font may be found, most likely first. Debian's `fonts-noto-cjk` installs
 * the first; the others are the same collection as other distributions package it. A fixed list, not
 * a setting: the only thing an operator should have to do is install the package.
 */
export const CJK_FONT_CANDIDATES: readonly CjkFont[] = [
	{
		path: '/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc',
		family: 'NotoSansCJKsc-Regular'
	},
	{ path: '/usr/share/fonts/noto-cjk/NotoSansCJK-Regular.ttc', family: 'NotoSansCJKsc-Regular' },
	{
		path: '/usr/share/fonts/google-noto-cjk/NotoSansCJK-Regular.ttc',
		family: 'NotoSansCJKsc-Regular'
	},
	{
		path: '/usr/share/fonts/opentype/noto/NotoSerifCJK-Regular.ttc',
		family: 'NotoSerifCJKsc-Regular'
	}
];

/** Answered as 503: the server lacks something an operator must install, not a fault of the request. */
export class CjkFontMissingError extends DomainError {
	constructor() {
		super(
			503,
			'cjk_font_missing',
			'cjk_font_missing: no CJK font found; install Debian\'s "fonts-noto-cjk" package ' +
				`(apt-get install fonts-noto-cjk); looked in ${CJK_FONT_CANDIDATES.map((c) => c.path).join(', ')}`
		);
	}
}

/** The first installed candidate; `candidates` is a parameter only so tests can simulate a bare machine. */
export function findCjkFont(candidates: readonly CjkFont[] = CJK_FONT_CANDIDATES): CjkFont | null {
	return candidates.find((c) => existsSync(c.path)) ?? null;
}

export function requireCjkFont(candidates: readonly CjkFont[] = CJK_FONT_CANDIDATES): CjkFont {
	const font = findCjkFont(candidates);
	if (!font) throw new CjkFontMissingError();
	return font;
}
