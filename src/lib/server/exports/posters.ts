import PDFDocument from 'pdfkit';
import * as m from '$lib/paraglide/messages';
import { formatDateTime } from '$lib/format';
import { requireCjkFont, type CjkFont } from './cjk-font';
import { qrMatrix, surveyLink } from './qr-codes';

export interface PosterUnit {
	code: string;
	name: string;
}

export interface PosterInput {
	/** The line above the survey title: the cycle's name, e.g. 某某县2025年度社会评价. */
	heading: string;
	surveyTitle: string;
	/** The public origin the QR codes point to (the request's `url.origin`). */
	origin: string;
	slug: string;
	/** One page per unit, in this order. */
	units: PosterUnit[];
	closesAt?: Date | null;
	/** Where to look for the font; tests pass missing paths to check the 503. */
	fontCandidates?: readonly CjkFont[];
}

// A4 in PDF points (1/72 inch).
const PAGE_W = 595.28;
const PAGE_H = 841.89;
const MARGIN = 48;
const CONTENT_W = PAGE_W - 2 * MARGIN;
const QR_SIDE = 300;

/**
 * Posters are read by residents, not by the office, so they are always in Chinese whatever the
 * language of the console that printed them.
 */
const locale = 'zh-CN' as const;

/**
 * An A4 PDF with one poster per unit: heading, survey title, unit name, a large QR code to
 * `/s/{slug}?u={unit}&c=qr`, the same link in print, and short instructions. The QR code is drawn as
 * vector squares, so it stays sharp at any print size. Throws CjkFontMissingError (503) when no CJK
 * font is installed: a poster in a fallback font would print blank boxes instead of Chinese.
 */
export async function renderPosters(input: PosterInput): Promise<Buffer> {
	const font = requireCjkFont(input.fontCandidates);
	const doc = new PDFDocument({
		size: 'A4',
		margin: MARGIN,
		autoFirstPage: false,
		// No default font: the built-in Helvetica cannot show Chinese and need not be loaded at all.
		font: '',
		info: { Title: `${input.surveyTitle} · ${m.qr_poster_doc_title({}, { locale })}` }
	});
	const chunks: Buffer[] = [];
	doc.on('data', (c: Buffer) => chunks.push(c));
	const done = new Promise<Buffer>((resolve, reject) => {
		doc.on('end', () => resolve(Buffer.concat(chunks)));
		doc.on('error', reject);
	});
	doc.registerFont('cjk', font.path, font.family);
	for (const u of input.units) drawPoster(doc, input, u);
	doc.end();
	return done;
}

function centred(doc: PDFKit.PDFDocument, text: string, y: number, size: number, color = '#111') {
	doc.font('cjk').fontSize(size).fillColor(color);
	doc.text(text, MARGIN, y, { width: CONTENT_W, align: 'center' });
}

/** The largest size (down to `min`) at which `text` fits on one line of the content width. */
function fittingSize(doc: PDFKit.PDFDocument, text: string, max: number, min: number): number {
	doc.font('cjk');
	for (let size = max; size > min; size -= 2) {
		if (doc.fontSize(size).widthOfString(text) <= CONTENT_W) return size;
	}
	return min;
}

function drawPoster(doc: PDFKit.PDFDocument, input: PosterInput, u: PosterUnit) {
	doc.addPage();
	const link = surveyLink(input.origin, input.slug, u.code);

	centred(doc, input.heading, 56, 15, '#555');
	centred(doc, input.surveyTitle, 80, fittingSize(doc, input.surveyTitle, 26, 16));
	doc
		.moveTo(MARGIN, 128)
		.lineTo(PAGE_W - MARGIN, 128)
		.lineWidth(1)
		.strokeColor('#0b5cad')
		.stroke();
	centred(doc, u.name, 148, fittingSize(doc, u.name, 40, 22));

	const qrTop = 220;
	drawQr(doc, link, (PAGE_W - QR_SIDE) / 2, qrTop, QR_SIDE);

	centred(doc, link, qrTop + QR_SIDE + 10, 10, '#333');
	centred(doc, m.qr_poster_scan({}, { locale }), qrTop + QR_SIDE + 48, 22);
	centred(doc, m.qr_poster_rate({ unit: u.name }, { locale }), qrTop + QR_SIDE + 84, 16, '#333');
	centred(doc, m.qr_poster_hint({}, { locale }), qrTop + QR_SIDE + 112, 16, '#333');
	if (input.closesAt) {
		const date = formatDateTime(input.closesAt);
		centred(doc, m.qr_poster_closes({ date }, { locale }), PAGE_H - 96, 12, '#555');
	}
}

/** The symbol as one filled path of dark modules, on a white square with the standard quiet zone. */
function drawQr(doc: PDFKit.PDFDocument, text: string, x: number, y: number, side: number) {
	const qr = qrMatrix(text);
	const quiet = 4;
	const cell = side / (qr.size + 2 * quiet);
	doc.rect(x, y, side, side).fillColor('#fff').fill();
	for (let r = 0; r < qr.size; r++) {
		for (let c = 0; c < qr.size; c++) {
			if (!qr.dark(r, c)) continue;
			// A hair of overlap closes the seams some PDF viewers draw between adjacent squares.
			doc.rect(x + (c + quiet) * cell, y + (r + quiet) * cell, cell + 0.02, cell + 0.02);
		}
	}
	doc.fillColor('#000').fill();
}
