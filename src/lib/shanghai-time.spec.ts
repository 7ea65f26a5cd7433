import { describe, expect, it } from 'vitest';
import { fromShanghaiLocal, toShanghaiLocal } from './shanghai-time';

describe('datetime-local in Beijing time', () => {
	it('shows an instant as the county reads it', () => {
		expect(toShanghaiLocal(new Date('2025-11-30T16:00:00Z'))).toBe('2025-12-01T00:00');
		expect(toShanghaiLocal('2025-10-01T00:00:00.000Z')).toBe('2025-10-01T08:00');
		expect(toShanghaiLocal(null)).toBe('');
		expect(toShanghaiLocal('garbage')).toBe('');
	});

	it('reads a field back as the same instant, seconds optional', () => {
		expect(fromShanghaiLocal('2025-12-01T00:00')?.toISOString()).toBe('2025-11-30T16:00:00.000Z');
		expect(fromShanghaiLocal('2025-10-01T08:00:30')?.toISOString()).toBe(
			'2025-10-01T00:00:30.000Z'
		);
		const d = new Date('2025-06-15T03:45:00Z');
		expect(fromShanghaiLocal(toShanghaiLocal(d))?.getTime()).toBe(d.getTime());
	});

	it('answers undefined for an empty field and null for an impossible one', () => {
		expect(fromShanghaiLocal('')).toBeUndefined();
		expect(fromShanghaiLocal('  ')).toBeUndefined();
		expect(fromShanghaiLocal('2025-02-30T10:00')).toBeNull();
		expect(fromShanghaiLocal('2025-10-01T24:00')).toBeNull();
		expect(fromShanghaiLocal('2025-10-01 10:00')).toBeNull();
		expect(fromShanghaiLocal('tomorrow')).toBeNull();
	});
});
