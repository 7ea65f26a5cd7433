import { describe, expect, it } from 'vitest';
import { safeCell, safeRow } from './safe-cell';

describe('safeCell', () => {
	it('escapes text that a spreadsheet would run as a formula', () => {
		for (const s of ["=cmd|' /C calc'!A0", '+1+1', '-2+3', '@SUM(A1)', '\t=1', '\r=1']) {
			expect(safeCell(s)).toBe(`'${s}`);
		}
	});

	it('leaves ordinary text, numbers and empties alone', () => {
		expect(safeCell('河口镇')).toBe('河口镇');
		expect(safeCell('a=b')).toBe('a=b');
		expect(safeCell(' =1')).toBe(' =1');
		expect(safeCell('')).toBe('');
		expect(safeCell(-3.5)).toBe(-3.5);
		expect(safeCell(null)).toBeNull();
		expect(safeCell(undefined)).toBeUndefined();
	});

	it('works over rows', () => {
		expect(safeRow(['=1', 2, 'x'])).toEqual(["'=1", 2, 'x']);
	});
});
