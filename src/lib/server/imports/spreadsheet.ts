import ExcelJS from 'exceljs';
import { parse } from 'csv-parse/sync';
import type { RowError } from './row-error';

export const MAX_IMPORT_BYTES = 5 * 1024 * 1024;
export const MAX_IMPORT_ROWS = 20_000;

export interface SheetRow {
	/** The line number a person sees in Excel or a text editor (header is line 1). */
	line: number;
	cells: Record<string, string>;
}

export class ImportFileError extends Error {
	constructor(readonly errors: RowError[]) {
		super(errors[0]?.message ?? 'import_failed');
	}
}

/**
 * Reads a CSV or XLSX upload into rows keyed by canonical column names. Headers may be Chinese or
 * English (`aliases` maps each accepted header to a column). Formulas are refused rather than
 * evaluated: an import must contain the values a person saw, not something computed later.
 */
export async function readSpreadsheet(
	bytes: Uint8Array,
	filename: string,
	aliases: Record<string, string>,
	required: string[]
): Promise<SheetRow[]> {
	if (bytes.byteLength === 0) {
		throw new ImportFileError([{ row: 0, column: '', message: 'empty_file' }]);
	}
	if (bytes.byteLength > MAX_IMPORT_BYTES) {
		throw new ImportFileError([{ row: 0, column: '', message: 'file_too_large' }]);
	}
	const isXlsx = /\.xlsx$/i.test(filename) || (bytes[0] === 0x50 && bytes[1] === 0x4b);
	const table = isXlsx ? await readXlsx(bytes) : readCsv(bytes);
	if (table.length === 0) {
		throw new ImportFileError([{ row: 0, column: '', message: 'empty_file' }]);
	}
	const header = table[0].map((h) => normaliseHeader(h.value));
	const columns = header.map((h) => aliases[h] ?? null);
	const missing = required.filter((c) => !columns.includes(c));
	if (missing.length) {
		throw new ImportFileError(
			missing.map((c) => ({ row: 1, column: c, message: 'missing_column' }))
		);
	}
	const errors: RowError[] = [];
	const rows: SheetRow[] = [];
	for (let i = 1; i < table.length; i++) {
		const cells: Record<string, string> = {};
		let empty = true;
		table[i].forEach((cell, c) => {
			const col = columns[c];
			if (!col) return;
			if (cell.formula) errors.push({ row: i + 1, column: col, message: 'formula_not_allowed' });
			cells[col] = cell.value.trim();
			if (cells[col] !== '') empty = false;
		});
		if (!empty) rows.push({ line: i + 1, cells });
	}
	if (rows.length > MAX_IMPORT_ROWS) errors.push({ row: 0, column: '', message: 'too_many_rows' });
	if (rows.length === 0 && errors.length === 0) {
		errors.push({ row: 2, column: '', message: 'no_rows' });
	}
	if (errors.length) throw new ImportFileError(errors.slice(0, 200));
	return rows;
}

interface Cell {
	value: string;
	formula: boolean;
}

function normaliseHeader(h: string): string {
	return h
		.replace(/^\uFEFF/, '')
		.replace(/[（(].*[)）]/, '')
		.trim()
		.toLowerCase();
}

function readCsv(bytes: Uint8Array): Cell[][] {
	let text: string;
	try {
		text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
	} catch {
		throw new ImportFileError([{ row: 0, column: '', message: 'not_utf8' }]);
	}
	if (text.includes('\u0000')) {
		throw new ImportFileError([{ row: 0, column: '', message: 'unreadable_file' }]);
	}
	let records: { record: string[]; info: { lines: number } }[];
	try {
		// With `info`, each record comes as {record, info} (csv-parse's types do not say so).
		records = parse(text, {
			bom: true,
			relax_column_count: true,
			skip_empty_lines: true,
			info: true
		}) as unknown as { record: string[]; info: { lines: number } }[];
	} catch (err) {
		const line = (err as { lines?: number }).lines ?? 0;
		throw new ImportFileError([{ row: line, column: '', message: 'malformed_csv' }]);
	}
	// Each record sits at its own line (blank lines skipped by the parser still count), so errors
	// name the line a text editor shows. A leading "=" would become a formula in Excel; refuse it.
	const out: Cell[][] = [];
	for (const { record, info } of records) {
		out[info.lines - 1] = record.map((v) => ({ value: v, formula: /^=/.test(v.trim()) }));
	}
	for (let i = 0; i < out.length; i++) out[i] ??= [];
	return out;
}

async function readXlsx(bytes: Uint8Array): Promise<Cell[][]> {
	const wb = new ExcelJS.Workbook();
	try {
		await wb.xlsx.load(Buffer.from(bytes) as unknown as ArrayBuffer);
	} catch {
		throw new ImportFileError([{ row: 0, column: '', message: 'unreadable_file' }]);
	}
	const sheet = wb.worksheets[0];
	if (!sheet) throw new ImportFileError([{ row: 0, column: '', message: 'empty_file' }]);
	const out: Cell[][] = [];
	const width = sheet.columnCount;
	sheet.eachRow({ includeEmpty: true }, (row, rowNumber) => {
		const cells: Cell[] = [];
		for (let c = 1; c <= width; c++) cells.push(cellOf(row.getCell(c)));
		out[rowNumber - 1] = cells;
	});
	for (let i = 0; i < out.length; i++) out[i] ??= [];
	return out;
}

function cellOf(cell: ExcelJS.Cell): Cell {
	const v = cell.value;
	if (v === null || v === undefined) return { value: '', formula: false };
	if (typeof v === 'object') {
		if ('formula' in v || 'sharedFormula' in v) {
			return { value: String(cell.text ?? ''), formula: true };
		}
		if ('richText' in v) return { value: v.richText.map((t) => t.text).join(''), formula: false };
		if (v instanceof Date) return { value: v.toISOString(), formula: false };
		if ('text' in v) return { value: String(v.text), formula: false };
		return { value: String(cell.text ?? ''), formula: false };
	}
	return { value: String(v), formula: false };
}
