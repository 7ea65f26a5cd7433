import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { QR_MARGIN, qrMatrix, qrPng, qrSvg, surveyLink } from './qr-codes';

// pngjs is what qrcode itself writes PNGs with; the test uses it only to read the image back.
const { PNG } = createRequire(import.meta.url)('pngjs') as {
	PNG: { sync: { read(b: Buffer): { width: number; height: number; data: Buffer } } };
};

const link = surveyLink('https://pingyi.example.gov.cn', 'residents-2025', 'TW01');

/** The dark modules of the symbol as a string grid, the way the reference matrix is compared. */
function referenceGrid(text: string): string[] {
	const qr = qrMatrix(text);
	return Array.from({ length: qr.size }, (_, r) =>
		Array.from({ length: qr.size }, (_, c) => (qr.dark(r, c) ? '#' : '.')).join('')
	);
}

/** Replays qrcode's SVG path (M/m moves and h runs, one unit per module) back into a grid. */
function gridFromSvg(svg: string, size: number): string[] {
	const d = /<path[^>]*stroke="[^"]*"[^>]*d="([^"]+)"/.exec(svg)?.[1] ?? '';
	const rows = Array.from({ length: size }, () => Array<string>(size).fill('.'));
	let x = 0;
	let y = 0;
	for (const [, cmd, a, b] of d.matchAll(/([MmHh])([\d.]+)(?: ([\d.]+))?/g)) {
		const [na, nb] = [Number(a), Number(b)];
		if (cmd === 'M') [x, y] = [na, nb];
		else if (cmd === 'm') [x, y] = [x + na, y + (nb || 0)];
		else if (cmd === 'h') {
			for (let i = 0; i < na; i++) rows[Math.floor(y) - QR_MARGIN][x - QR_MARGIN + i] = '#';
			x += na;
		}
	}
	return rows.map((r) => r.join(''));
}

describe('survey links', () => {
	it('carries the unit and the qr channel, escaped', () => {
		expect(link).toBe('https://pingyi.example.gov.cn/s/residents-2025?u=TW01&c=qr');
		expect(surveyLink('http://x/', 's1', null)).toBe('http://x/s/s1?c=qr');
		expect(surveyLink('http://x', 's1', 'A&B')).toBe('http://x/s/s1?u=A%26B&c=qr');
	});
});

describe('QR codes', () => {
	it('renders an SVG whose path draws exactly the symbol of the link', async () => {
		const svg = await qrSvg(link);
		expect(svg).toMatch(/^<svg xmlns="http:\/\/www.w3.org\/2000\/svg"/);
		expect(svg).toContain('<path');
		const ref = referenceGrid(link);
		expect(gridFromSvg(svg, ref.length)).toEqual(ref);
	});

	it('renders a PNG whose pixels show exactly the symbol of the link, with a quiet zone', async () => {
		const scale = 6;
		const png = await qrPng(link, scale);
		expect([...png.subarray(0, 8)]).toEqual([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
		const img = PNG.sync.read(png);
		const ref = referenceGrid(link);
		expect(img.width).toBe((ref.length + 2 * QR_MARGIN) * scale);
		const darkAt = (row: number, col: number) => {
			// Sample the centre of the module; RGBA, dark means a low red channel.
			const px = Math.floor((QR_MARGIN + col + 0.5) * scale);
			const py = Math.floor((QR_MARGIN + row + 0.5) * scale);
			return img.data[(py * img.width + px) * 4] < 128 ? '#' : '.';
		};
		const grid = ref.map((line, r) => [...line].map((_, c) => darkAt(r, c)).join(''));
		expect(grid).toEqual(ref);
		// The quiet zone is white all round.
		expect(img.data[0]).toBeGreaterThan(200);
	});

	it('encodes a longer link in a larger symbol', () => {
		const short = qrMatrix('http://a/s/x?c=qr').size;
		const long = qrMatrix(surveyLink('https://pingyi.example.gov.cn', 'x'.repeat(60), 'UNIT-0001'));
		expect(long.size).toBeGreaterThan(short);
	});
});
