import { describe, expect, it } from 'vitest';
import { combineGroups, type CompositeGroupInput } from './composite';

const residents: CompositeGroupInput = {
	group: 'residents',
	weight: 0.5,
	score: 73.51111111111111,
	rate: 0.8444444444444444,
	se: 6.370565939137173,
	qualifies: true
};
const serviceRecipients: CompositeGroupInput = {
	group: 'service_recipients',
	weight: 0.2,
	score: 88.66666666666667,
	rate: 29 / 30,
	se: 3.9167583750574115,
	qualifies: true
};
const deputies: CompositeGroupInput = {
	group: 'deputies',
	weight: 0.3,
	score: 91.81818181818181,
	rate: 1,
	se: 2.8403679138223805,
	qualifies: true
};

describe('combineGroups', () => {
	it('reproduces the worked example: S = 82.0343, SE = 3.3891', () => {
		const r = combineGroups([residents, serviceRecipients, deputies]);
		expect(r.score).toBeCloseTo(82.0343, 4);
		expect(r.se).toBeCloseTo(3.3891, 4);
		expect(r.rate).toBeCloseTo(0.5 * 0.8444 + 0.2 * (29 / 30) + 0.3, 4);
		expect(r.renormalised).toBe(false);
		expect(r.fallback).toBe(false);
		expect(r.used).toEqual(['deputies', 'residents', 'service_recipients']);
	});

	it('gives 89.6874 with the unweighted resident mean', () => {
		const r = combineGroups([
			{ ...residents, score: 88.81720430107526 },
			serviceRecipients,
			deputies
		]);
		expect(r.score).toBeCloseTo(89.6874, 4);
	});

	it('drops a group below its minimum and renormalises: 77.8413', () => {
		const r = combineGroups([residents, serviceRecipients, { ...deputies, qualifies: false }]);
		expect(r.score).toBeCloseTo(77.8413, 4);
		expect(r.applied.residents).toBeCloseTo(0.5 / 0.7, 12);
		expect(r.applied.service_recipients).toBeCloseTo(0.2 / 0.7, 12);
		expect(r.applied.deputies).toBe(0);
		expect(r.dropped).toEqual(['deputies']);
		expect(r.renormalised).toBe(true);
		expect(r.se).toBeCloseTo(
			Math.sqrt(
				(0.5 / 0.7) ** 2 * residents.se! ** 2 + (0.2 / 0.7) ** 2 * serviceRecipients.se! ** 2
			),
			12
		);
	});

	it('treats a group without data as dropped', () => {
		const r = combineGroups([
			residents,
			serviceRecipients,
			{ group: 'deputies', weight: 0.3, score: null, rate: null, se: null, qualifies: false }
		]);
		expect(r.score).toBeCloseTo(77.8413, 4);
		expect(r.dropped).toEqual(['deputies']);
	});

	it('normalises weights that do not sum to 1 and ignores unusable weights', () => {
		const r = combineGroups([
			{ ...residents, weight: 5 },
			{ ...serviceRecipients, weight: 2 },
			{ ...deputies, weight: 3 },
			{ ...deputies, group: 'x', weight: NaN },
			{ ...deputies, group: 'y', weight: -1 },
			{ ...deputies, group: 'z', weight: 0 }
		]);
		expect(r.score).toBeCloseTo(82.0343, 4);
		expect(r.renormalised).toBe(false);
		expect(r.applied).toMatchObject({ x: 0, y: 0, z: 0 });
	});

	it('falls back to all groups with answers when none qualifies', () => {
		const r = combineGroups([
			{ ...residents, qualifies: false },
			{ ...serviceRecipients, qualifies: false }
		]);
		expect(r.fallback).toBe(true);
		expect(r.score).toBeCloseTo(77.8413, 4);
	});

	it('reports no SE when a used group has none', () => {
		const r = combineGroups([residents, { ...serviceRecipients, se: null }]);
		expect(r.score).not.toBeNull();
		expect(r.se).toBeNull();
	});

	it('has no score without groups or answers', () => {
		expect(combineGroups([]).score).toBeNull();
		const r = combineGroups([{ ...residents, score: null, qualifies: false }]);
		expect(r).toMatchObject({ score: null, rate: null, se: null, fallback: false });
	});

	it('does not depend on group order', () => {
		expect(combineGroups([deputies, residents, serviceRecipients])).toEqual(
			combineGroups([serviceRecipients, deputies, residents])
		);
	});
});
