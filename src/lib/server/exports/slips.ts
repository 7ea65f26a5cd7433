import PDFDocument from 'pdfkit';
import * as m from '$lib/paraglide/messages';
import { formatDateTime } from '$lib/format';
import { formatCode } from '$lib/invitation-code';
import { requireCjkFont, type CjkFont } from './cjk-font';
import { qrMatrix } from './qr-codes';

export interface Slip {
	label: string;
	organisation: string | null;
	subgroupLabel: string | null;
	/** The code in clear; it exists only while this PDF is made (codes are never stored). */
	code: string;
}

export interface SlipsInput {
	heading: string;
	surveyTitle: string;
	origin: string;
	slug: string;
	slips: Slip[];
	closesAt?: Date | null;
	fontCandidates?: readonly CjkFont[];
}

// A4 in points; 2 × 4 slips of 105 × 74 mm.
const PAGE_W = 595.28;
const PAGE_H = 841.89;
const COLS = 2;
const ROWS = 4;
const SLIP_W = PAGE_W / COLS;
const SLIP_H = PAGE_H / ROWS;
const PAD = 16;
const QR_SIDE = 112;

/** Slips are read by deputies, not by the office: always Chinese, like the posters. */
const locale = 'zh-CN' as const;

/** The personal link a slip's QR code carries (and an SMS sends): the survey with the code. */
export function personalLink(origin: string, slug: string, code: string): string {
	return `${origin.replace(/\/+$/, '')}/s/${encodeURIComponent(slug)}?k=${encodeURIComponent(code)}`;
}

export function surveyAddress(origin: string, slug: string): string {
	return `${origin.replace(/\/+$/, '')}/s/${encodeURIComponent(slug)}`;
}

/** Throws CjkFontMissingError (503) now, before codes are issued that could then not be printed. */
export function slipFont(candidates?: readonly CjkFont[]): CjkFont {
	return requireCjkFont(candidates);
}

/**
 * An A4 PDF of invitation slips, eight to a page with dashed cut lines: the person's name, a QR code
 * of their personal link, the code in large type and short instructions. Made at the moment the
 * codes are (re)issued: they are not stored, so the slips cannot be printed again later.
 */
export async function renderSlips(input: SlipsInput): Promise<Buffer> {
	const font = slipFont(input.fontCandidates);
	const doc = new PDFDocument({
		size: 'A4',
		margin: 0,
		autoFirstPage: false,
		font: '',
		info: { Title: `${input.surveyTitle} · ${m.invite_slip_doc_title({}, { locale })}` }
	});
	const chunks: Buffer[] = [];
	doc.on('data', (c: Buffer) => chunks.push(c));
	const done = new Promise<Buffer>((resolve, reject) => {
		doc.on('end', () => resolve(Buffer.concat(chunks)));
		doc.on('error', reject);
	});
	doc.registerFont('cjk', font.path, font.family);
	const perPage = COLS * ROWS;
	for (let i = 0; i < input.slips.length; i++) {
		if (i % perPage === 0) {
			doc.addPage();
			cutLines(doc);
		}
		const k = i % perPage;
		drawSlip(doc, input, input.slips[i], (k % COLS) * SLIP_W, Math.floor(k / COLS) * SLIP_H);
	}
	if (!input.slips.length) doc.addPage();
	doc.end();
	return done;
}

function cutLines(doc: PDFKit.PDFDocument) {
	doc.save().lineWidth(0.5).strokeColor('#999').dash(4, { space: 3 });
	for (let c = 1; c < COLS; c++) doc.moveTo(c * SLIP_W, 0).lineTo(c * SLIP_W, PAGE_H);
	for (let r = 1; r < ROWS; r++) doc.moveTo(0, r * SLIP_H).lineTo(PAGE_W, r * SLIP_H);
	doc.stroke().undash().restore();
}

function fitting(doc: PDFKit.PDFDocument, text: string, width: number, max: number, min: number) {
	doc.font('cjk');
	for (let size = max; size > min; size -= 1) {
		if (doc.fontSize(size).widthOfString(text) <= width) return size;
	}
	return min;
}

function drawSlip(doc: PDFKit.PDFDocument, input: SlipsInput, s: Slip, x: number, y: number) {
	const inner = SLIP_W - 2 * PAD;
	const line = (
		text: string,
		top: number,
		size: number,
		color: string,
		width = inner,
		left = x + PAD
	) =>
		doc
			.font('cjk')
			.fontSize(size)
			.fillColor(color)
			.text(text, left, top, { width, lineBreak: false, ellipsis: true });

	line(input.surveyTitle, y + 12, fitting(doc, input.surveyTitle, inner, 11, 8), '#333');
	line(s.label, y + 30, 15, '#000');
	const who = [s.subgroupLabel, s.organisation].filter(Boolean).join(' · ');
	if (who) line(who, y + 50, 9, '#555');

	const link = personalLink(input.origin, input.slug, s.code);
	drawQr(doc, link, x + PAD - 4, y + 66, QR_SIDE);

	const colX = x + PAD + QR_SIDE + 6;
	const colW = SLIP_W - (colX - x) - PAD;
	line(m.invite_slip_code_label({}, { locale }), y + 72, 9, '#555', colW, colX);
	const code = formatCode(s.code);
	line(code, y + 86, fitting(doc, code, colW, 20, 12), '#000', colW, colX);
	doc
		.font('cjk')
		.fontSize(8.5)
		.fillColor('#222')
		.text(
			m.invite_slip_instructions({ address: surveyAddress(input.origin, input.slug) }, { locale }),
			colX,
			y + 114,
			{ width: colW, height: SLIP_H - 114 - 12, lineGap: 1 }
		);
	if (input.closesAt) {
		line(
			m.invite_slip_closes({ date: formatDateTime(input.closesAt) }, { locale }),
			y + SLIP_H - 20,
			8,
			'#555'
		);
	}
}

/** Vector modules on a white square with the standard quiet zone (4 modules). */
function drawQr(doc: PDFKit.PDFDocument, text: string, x: number, y: number, side: number) {
	const qr = qrMatrix(text);
	const quiet = 4;
	const cell = side / (qr.size + 2 * quiet);
	doc.rect(x, y, side, side).fillColor('#fff').fill();
	for (let r = 0; r < qr.size; r++) {
		for (let c = 0; c < qr.size; c++) {
			if (qr.dark(r, c)) {
				doc.rect(x + (c + quiet) * cell, y + (r + quiet) * cell, cell + 0.02, cell + 0.02);
			}
		}
	}
	doc.fillColor('#000').fill();
}
