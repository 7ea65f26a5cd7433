import { describe, expect, it } from 'vitest';
import { trimmedMean } from './panel';

describe('trimmedMean', () => {
	it('drops one highest and one lowest mark with more than 5 raters: 90.0', () => {
		const r = trimmedMean([95, 92, 90, 88, 85, 60, 99]);
		expect(r.mean).toBe(90);
		expect(r).toMatchObject({ used: 5, droppedHigh: 99, droppedLow: 60 });
	});

	it('keeps every mark with 5 raters or fewer', () => {
		const r = trimmedMean([95, 92, 90, 88, 60]);
		expect(r.mean).toBe(85);
		expect(r).toMatchObject({ used: 5, droppedHigh: null, droppedLow: null });
	});

	it('trims at 6 raters, and drops only one of several equal extremes', () => {
		expect(trimmedMean([100, 100, 80, 80, 60, 60]).mean).toBe(80);
	});

	it('honours a different threshold', () => {
		expect(trimmedMean([100, 50, 0], 2).mean).toBe(50);
		expect(trimmedMean([100, 40, 0], 3).mean).toBeCloseTo(140 / 3, 12);
	});

	it('ignores non-finite marks and returns null for none', () => {
		expect(trimmedMean([NaN, 80, Infinity]).mean).toBe(80);
		expect(trimmedMean([])).toEqual({ mean: null, used: 0, droppedHigh: null, droppedLow: null });
	});
});
