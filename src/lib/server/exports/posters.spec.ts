import { inflateSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { CjkFontMissingError, findCjkFont } from './cjk-font';
import { renderPosters, type PosterInput } from './posters';

const input: PosterInput = {
	heading: '测试县2025年度社会评价',
	surveyTitle: '群众满意度测评',
	origin: 'https://pingyi.example.gov.cn',
	slug: 'residents-2025',
	units: [
		{ code: 'TW01', name: '河口镇' },
		{ code: 'D01', name: '县公安局' },
		{ code: 'D02', name: '县人力资源和社会保障局窗口服务中心（综合受理）' }
	],
	closesAt: new Date('2025-11-30T16:00:00Z')
};

/** The decompressed content of every stream in the file (page contents, fonts, ToUnicode maps). */
function streams(pdf: Buffer): string {
	const out: string[] = [];
	const bin = pdf.toString('latin1');
	const re = /(?<!end)stream\r?\n/g;
	for (let m = re.exec(bin); m; m = re.exec(bin)) {
		const start = m.index + m[0].length;
		const end = bin.indexOf('endstream', start);
		if (end < 0) break;
		try {
			out.push(inflateSync(pdf.subarray(start, end)).toString('latin1'));
		} catch {
			// an uncompressed or binary stream (the embedded font): not text we look for
		}
		re.lastIndex = end;
	}
	return out.join('\n');
}

/** Each character as the 4-digit hex code a ToUnicode map lists it under. */
const hexCodes = (s: string) =>
	[...s].map((ch) => `<${ch.codePointAt(0)!.toString(16).padStart(4, '0')}>`);

const hasFont = findCjkFont() !== null;

describe.skipIf(!hasFont)('unit posters (PDF)', () => {
	it('makes an A4 PDF with one page per unit, with the Chinese glyphs of every unit name', async () => {
		const pdf = await renderPosters(input);
		expect(pdf.subarray(0, 5).toString('latin1')).toBe('%PDF-');
		const bin = pdf.toString('latin1');
		expect(bin.match(/\/Type \/Page\b(?!s)/g)).toHaveLength(3);
		// A4 in points.
		expect(bin).toContain('/MediaBox [0 0 595.28 841.89]');
		// The CJK font is embedded (subset), and its ToUnicode map covers every character drawn.
		expect(bin).toMatch(/\/FontFile3|\/FontFile2/);
		const text = streams(pdf).toLowerCase();
		for (const u of input.units) {
			for (const code of hexCodes(u.name)) expect(text).toContain(code);
		}
		for (const code of hexCodes('扫码评价匿名')) expect(text).toContain(code);
	});

	it('prints the link of each unit under its QR code', async () => {
		const pdf = await renderPosters({ ...input, units: [input.units[0]] });
		expect(pdf.toString('latin1').match(/\/Type \/Page\b(?!s)/g)).toHaveLength(1);
		// Latin text is drawn with the same CJK font, so its characters are in the map too.
		const text = streams(pdf).toLowerCase();
		for (const code of hexCodes('pingyi.example.gov.cn/s/residents-2025?u=TW01&c=qr')) {
			expect(text).toContain(code);
		}
	});
});

describe('posters without a CJK font', () => {
	it('fail with a 503 that says which package to install', async () => {
		const err = await renderPosters({
			...input,
			fontCandidates: [{ path: '/nonexistent/NotoSansCJK-Regular.ttc', family: 'x' }]
		}).then(
			() => null,
			(e: unknown) => e
		);
		expect(err).toBeInstanceOf(CjkFontMissingError);
		expect((err as CjkFontMissingError).status).toBe(503);
		expect((err as CjkFontMissingError).message).toContain('fonts-noto-cjk');
	});
});
