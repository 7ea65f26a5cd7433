import { describe, expect, it } from 'vitest';
import {
	addDays,
	canTransition,
	countyToday,
	displayStatus,
	isCalendarDate,
	isOverdue,
	nextStatuses
} from './rectification';

describe('rectification statuses', () => {
	it('allows only open → in_progress → done → verified, verifying by the office', () => {
		expect(canTransition('open', 'in_progress', 'unit_liaison')).toBe(true);
		expect(canTransition('in_progress', 'done', 'unit_liaison')).toBe(true);
		expect(canTransition('done', 'verified', 'unit_liaison')).toBe(false);
		expect(canTransition('done', 'verified', 'admin')).toBe(true);
		expect(canTransition('open', 'done', 'admin')).toBe(false);
		expect(canTransition('open', 'verified', 'admin')).toBe(false);
		expect(canTransition('verified', 'open', 'admin')).toBe(false);
		expect(canTransition('done', 'in_progress', 'admin')).toBe(true);
		expect(canTransition('done', 'in_progress', 'unit_liaison')).toBe(false);
		expect(nextStatuses('done', 'admin')).toEqual(['in_progress', 'verified']);
		expect(nextStatuses('verified', 'admin')).toEqual([]);
	});

	it('derives overdue from the deadline in county time', () => {
		// 2026-05-10 17:00 UTC is 2026-05-11 01:00 in Beijing.
		const now = new Date('2026-05-10T17:00:00Z');
		expect(countyToday(now)).toBe('2026-05-11');
		expect(isOverdue({ status: 'open', deadline: '2026-05-10' }, now)).toBe(true);
		expect(isOverdue({ status: 'in_progress', deadline: '2026-05-11' }, now)).toBe(false);
		expect(isOverdue({ status: 'done', deadline: '2026-01-01' }, now)).toBe(false);
		expect(isOverdue({ status: 'verified', deadline: '2026-01-01' }, now)).toBe(false);
		expect(displayStatus({ status: 'in_progress', deadline: '2026-05-01' }, now)).toBe('overdue');
		expect(displayStatus({ status: 'done', deadline: '2026-05-01' }, now)).toBe('done');
	});

	it('checks calendar dates', () => {
		expect(isCalendarDate('2026-02-28')).toBe(true);
		expect(isCalendarDate('2026-02-30')).toBe(false);
		expect(isCalendarDate('2026-2-3')).toBe(false);
		expect(isCalendarDate('tomorrow')).toBe(false);
		expect(addDays('2026-12-31', 1)).toBe('2027-01-01');
	});
});
