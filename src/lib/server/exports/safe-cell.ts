/**
 * Spreadsheet formula injection (CSV injection): a cell that begins with `=`, `+`, `-` or `@`
 * is run as a formula by Excel and WPS, and a leading tab or carriage return can hide such a
 * start. Text from users (unit names, comments, reasons) therefore gets a leading apostrophe,
 * which spreadsheets show as plain text (DESIGN.md §9). Numbers are written as numbers and are
 * never escaped, so negative figures stay numeric.
 */
const DANGEROUS_START = /^[=+\-@\t\r]/;

export function safeCell(value: string): string;
export function safeCell<T>(value: T): T | string;
export function safeCell(value: unknown): unknown {
	if (typeof value !== 'string') return value;
	return DANGEROUS_START.test(value) ? `'${value}` : value;
}

/** `safeCell` over a whole row. */
export function safeRow<T extends readonly unknown[]>(row: T): unknown[] {
	return row.map((v) => safeCell(v));
}
