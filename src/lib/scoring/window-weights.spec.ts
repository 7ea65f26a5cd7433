import { describe, expect, it } from 'vitest';
import { memberMultipliers, windowMultiplier, type AlertWindow } from './window-weights';

const HOUR = 3_600_000;

describe('windowMultiplier', () => {
	it('is E/O for a surge', () => {
		expect(windowMultiplier(10, 80)).toBe(0.125);
		expect(windowMultiplier(12.5, 50)).toBe(0.25);
	});

	it('never up-weights and ignores unusable figures', () => {
		expect(windowMultiplier(50, 10)).toBe(1);
		expect(windowMultiplier(10, 0)).toBe(1);
		expect(windowMultiplier(NaN, 10)).toBe(1);
		expect(windowMultiplier(10, Infinity)).toBe(1);
	});

	it('is 0 for a window where nothing was expected, unless a minimum is set', () => {
		expect(windowMultiplier(0, 40)).toBe(0);
		expect(windowMultiplier(-3, 40)).toBe(0);
		expect(windowMultiplier(0, 40, 0.05)).toBe(0.05);
	});
});

describe('memberMultipliers', () => {
	const windows: AlertWindow[] = [
		{ unit: 'u1', start: 0, end: 2 * HOUR, expected: 10, observed: 40 },
		{ unit: 'u1', start: HOUR / 2, end: 2.5 * HOUR, expected: 10, observed: 80 },
		{ unit: 'u1', start: 5 * HOUR, end: 7 * HOUR, expected: 30, observed: 20 }
	];

	it('gives members of an alerted window E/O, the smallest when windows overlap', () => {
		const m = memberMultipliers(windows, [
			{ key: 'a', unit: 'u1', at: 0.25 * HOUR },
			{ key: 'b', unit: 'u1', at: HOUR },
			{ key: 'c', unit: 'u1', at: 2.2 * HOUR },
			{ key: 'd', unit: 'u1', at: 3 * HOUR },
			{ key: 'e', unit: 'u2', at: HOUR },
			{ key: 'f', unit: 'u1', at: 6 * HOUR }
		]);
		expect(Object.fromEntries(m)).toEqual({ a: 0.25, b: 0.125, c: 0.125 });
	});

	it('treats the window as [start, end)', () => {
		const m = memberMultipliers(windows.slice(0, 1), [
			{ key: 'start', unit: 'u1', at: 0 },
			{ key: 'end', unit: 'u1', at: 2 * HOUR }
		]);
		expect(Object.fromEntries(m)).toEqual({ start: 0.25 });
	});

	it('keeps the smallest multiplier when a key appears twice', () => {
		const m = memberMultipliers(windows, [
			{ key: 'x', unit: 'u1', at: 0.25 * HOUR },
			{ key: 'x', unit: 'u1', at: HOUR }
		]);
		expect(m.get('x')).toBe(0.125);
	});

	it('ignores empty or inverted windows', () => {
		const m = memberMultipliers(
			[{ unit: 'u1', start: 10, end: 10, expected: 1, observed: 100 }],
			[{ key: 'a', unit: 'u1', at: 10 }]
		);
		expect(m.size).toBe(0);
	});

	it('the down-weighted window weighs what was expected', () => {
		const members = Array.from({ length: 40 }, (_, i) => ({
			key: String(i),
			unit: 'u1',
			at: (i / 40) * 2 * HOUR
		}));
		const m = memberMultipliers(windows.slice(0, 1), members);
		const total = members.reduce((t, x) => t + (m.get(x.key) ?? 1), 0);
		expect(total).toBeCloseTo(10, 12);
	});
});
