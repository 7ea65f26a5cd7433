import ExcelJS from 'exceljs';
import { describe, expect, it } from 'vitest';
import { cleanFilename, extensionOf, refusalReason, sniffEvidence } from './evidence-type';

const bytes = (...parts: (string | number[])[]) =>
	new Uint8Array(parts.flatMap((p) => (typeof p === 'string' ? [...Buffer.from(p, 'latin1')] : p)));

/** A minimal ZIP local header naming `entries` (enough for the sniffer, which reads names). */
const zipWith = (...entries: string[]) =>
	bytes([0x50, 0x4b, 0x03, 0x04], ...entries.map((e) => `\0\0\0\0${e}\0\0`));

describe('sniffEvidence', () => {
	it('recognises PDF, JPEG and PNG by their magic numbers', () => {
		expect(sniffEvidence(bytes('%PDF-1.7\n%âãÏÓ'))).toBe('pdf');
		expect(sniffEvidence(bytes([0xff, 0xd8, 0xff, 0xe0, 0, 0x10], 'JFIF'))).toBe('jpeg');
		expect(sniffEvidence(bytes([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0]))).toBe(
			'png'
		);
	});

	it('tells DOCX from XLSX by the entries of the ZIP', async () => {
		expect(sniffEvidence(zipWith('[Content_Types].xml', 'word/document.xml'))).toBe('docx');
		const wb = new ExcelJS.Workbook();
		wb.addWorksheet('a').addRow(['整改']);
		const xlsx = new Uint8Array(await wb.xlsx.writeBuffer());
		expect(sniffEvidence(xlsx)).toBe('xlsx');
	});

	it('refuses other ZIPs, macro documents, executables, scripts and markup', () => {
		expect(sniffEvidence(zipWith('META-INF/MANIFEST.MF', 'a.class'))).toBeNull();
		expect(
			sniffEvidence(zipWith('[Content_Types].xml', 'word/document.xml', 'word/vbaProject.bin'))
		).toBeNull();
		const refused = [
			bytes('MZ', [0x90, 0, 3, 0]),
			bytes([0x7f], 'ELF', [2, 1, 1]),
			bytes('#!/bin/sh\nrm -rf /'),
			bytes('<script>alert(1)</script>'),
			bytes('<!DOCTYPE html><html></html>'),
			bytes('<svg xmlns="http://www.w3.org/2000/svg" onload="x()"/>'),
			bytes('<?php system($_GET[1]); ?>'),
			bytes('plain text'),
			bytes('GIF89a')
		];
		for (const b of refused) expect(sniffEvidence(b)).toBeNull();
		expect(refusalReason(refused[0])).toBe('executable');
		expect(refusalReason(refused[1])).toBe('executable');
		expect(refusalReason(refused[2])).toBe('executable');
		expect(refusalReason(refused[3])).toBe('executable');
		expect(refusalReason(refused[5])).toBe('executable');
		expect(refusalReason(refused[7])).toBe('unsupported_type');
	});
});

describe('file names', () => {
	it('keeps the extension and strips paths and control characters', () => {
		expect(extensionOf('整改报告.PDF')).toBe('pdf');
		expect(extensionOf('noext')).toBe('');
		expect(cleanFilename('../../etc/passwd.pdf', 'pdf')).toBe('passwd.pdf');
		expect(cleanFilename('C:\\Users\\a\\照片\u0007.jpg', 'jpeg')).toBe('照片.jpg');
		expect(cleanFilename('...', 'png')).toBe('evidence.png');
		expect(cleanFilename(`${'长'.repeat(200)}.docx`, 'docx')).toMatch(/^长{110}\.docx$/);
	});
});
