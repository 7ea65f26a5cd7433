import QRCode from 'qrcode';

export const qrFormats = ['svg', 'png'] as const;
export type QrFormat = (typeof qrFormats)[number];

/**
 * Medium error correction (15 %): survives a smudged or creased print while keeping the symbol
 * small enough to scan from a metre away at poster size.
 */
const errorCorrectionLevel = 'M';
/** The quiet zone the QR standard asks for, in modules. */
export const QR_MARGIN = 4;

/**
 * The link a QR code carries: the survey, and for a per-unit code the unit that is put first (`u`)
 * and the channel (`c=qr`) the submission records (DESIGN.md §5).
 */
export function surveyLink(origin: string, slug: string, unitCode?: string | null): string {
	const base = `${origin.replace(/\/+$/, '')}/s/${encodeURIComponent(slug)}`;
	const params = new URLSearchParams();
	if (unitCode) params.set('u', unitCode);
	params.set('c', 'qr');
	return `${base}?${params.toString()}`;
}

/** The module grid of the symbol for `text` (true = dark), row by row; what posters draw as vectors. */
export function qrMatrix(text: string): {
	size: number;
	dark: (row: number, col: number) => boolean;
} {
	const { modules } = QRCode.create(text, { errorCorrectionLevel });
	return { size: modules.size, dark: (row, col) => modules.get(row, col) === 1 };
}

export async function qrSvg(text: string): Promise<string> {
	return QRCode.toString(text, { type: 'svg', errorCorrectionLevel, margin: QR_MARGIN });
}

/** A PNG of `scale` pixels per module (10 gives about 400–500 px, plenty for a screen or a slip). */
export async function qrPng(text: string, scale = 10): Promise<Buffer> {
	return QRCode.toBuffer(text, { type: 'png', errorCorrectionLevel, margin: QR_MARGIN, scale });
}
