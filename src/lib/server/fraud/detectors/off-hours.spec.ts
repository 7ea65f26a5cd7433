import { describe, expect, it } from 'vitest';
import { defaultRuleSet } from '$lib/schemas/rule-set';
import { isOffHours, localHour, offHoursClusters, type OffHoursRow } from './off-hours';

const HOUR = 3_600_000;
/** Midnight, county time (UTC+8). */
const DAY0 = Date.parse('2031-03-01T00:00:00+08:00');
let seq = 0;

function row(at: number, over: Partial<OffHoursRow> = {}): OffHoursRow {
	return {
		id: ++seq,
		receivedAt: at,
		pattern: '1020030000100000',
		prefixHash: null,
		networkType: 'mobile',
		excluded: false,
		...over
	};
}

/** Daytime traffic with a little at night: about 1 % of it between 01:00 and 05:00. */
function ordinary(days: number): OffHoursRow[] {
	const out: OffHoursRow[] = [];
	for (let d = 0; d < days; d++) {
		for (let i = 0; i < 200; i++) {
			const h = 7 + ((i * 7) % 15);
			out.push(row(DAY0 + d * 24 * HOUR + h * HOUR + i * 1000, { pattern: `${i % 4}${i}` }));
		}
		out.push(row(DAY0 + d * 24 * HOUR + 2 * HOUR, { pattern: `night-${d}` }));
		out.push(row(DAY0 + d * 24 * HOUR + 3 * HOUR, { pattern: `night2-${d}` }));
	}
	return out;
}

describe('off-hours clusters', () => {
	it('reads the hour in county time', () => {
		expect(localHour(DAY0 + 2 * HOUR, 480)).toBe(2);
		expect(isOffHours(DAY0 + 2 * HOUR, defaultRuleSet)).toBe(true);
		expect(isOffHours(DAY0 + 5 * HOUR, defaultRuleSet)).toBe(false);
		expect(isOffHours(DAY0 + 14 * HOUR, defaultRuleSet)).toBe(false);
	});

	it('stays quiet on ordinary traffic, night owls included', () => {
		expect(offHoursClusters(ordinary(7), defaultRuleSet).size).toBe(0);
	});

	it('marks the night members of one office network answering mostly at night', () => {
		const office = Array.from({ length: 12 }, (_, i) =>
			row(DAY0 + 3 * 24 * HOUR + 1 * HOUR + i * 10 * 60_000, {
				prefixHash: 'office',
				networkType: 'gov_edu',
				pattern: `${i}x`
			})
		);
		const daytime = row(DAY0 + 3 * 24 * HOUR + 10 * HOUR, {
			prefixHash: 'office',
			networkType: 'gov_edu'
		});
		const found = offHoursClusters([...ordinary(7), ...office, daytime], defaultRuleSet);
		for (const r of office) expect(found.has(r.id)).toBe(true);
		expect(found.has(daytime.id)).toBe(false);
	});

	it('marks an answer vector repeated at night, but never a mobile network as such', () => {
		const vector = '111111111100000000000000000000';
		const night = Array.from({ length: 6 }, (_, i) =>
			row(DAY0 + 2 * 24 * HOUR + 2 * HOUR + i * 60_000, { pattern: vector })
		);
		const mobile = Array.from({ length: 8 }, (_, i) =>
			row(DAY0 + 4 * 24 * HOUR + 2 * HOUR + i * 60_000, {
				prefixHash: 'cgnat',
				networkType: 'mobile',
				pattern: `m${i}`
			})
		);
		const found = offHoursClusters([...ordinary(7), ...night, ...mobile], defaultRuleSet);
		for (const r of night) expect(found.has(r.id)).toBe(true);
		for (const r of mobile) expect(found.has(r.id)).toBe(false);
	});

	it('needs a cluster of several, not a night-shift worker or two', () => {
		const few = Array.from({ length: 3 }, (_, i) =>
			row(DAY0 + 2 * 24 * HOUR + 2 * HOUR + i * 60_000, {
				prefixHash: 'home',
				networkType: 'broadband'
			})
		);
		expect(offHoursClusters([...ordinary(7), ...few], defaultRuleSet).size).toBe(0);
	});

	it('does not throw on odd data', () => {
		expect(offHoursClusters([], defaultRuleSet).size).toBe(0);
		expect(offHoursClusters([row(Number.NaN, { pattern: '' })], defaultRuleSet).size).toBe(0);
	});
});
