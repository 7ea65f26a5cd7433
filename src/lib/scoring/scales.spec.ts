import { describe, expect, it } from 'vitest';
import { estimateGroup } from './group-estimate';
import {
	builtInScales,
	ceping4,
	DONT_KNOW_CODE,
	haoping5,
	isSatisfied,
	levelCountsToCells,
	levelValue,
	summariseLevelCounts,
	type ScaleLike
} from './scales';

describe('built-in scales', () => {
	it('ceping4 has the 4-level 测评 values and codes', () => {
		expect(ceping4.levels.map((l) => [l.code, l.value, l.label.zh])).toEqual([
			['satisfied', 100, '满意'],
			['fairly_satisfied', 80, '比较满意'],
			['basically_satisfied', 60, '基本满意'],
			['dissatisfied', 0, '不满意']
		]);
		expect(ceping4.dontKnow).toEqual({
			code: 'dont_know',
			label: { zh: '不了解', en: "Don't know" }
		});
		expect(ceping4.levels.some((l) => l.badReview)).toBe(false);
	});

	it('haoping5 has the 好差评 values, and its last two levels are 差评', () => {
		expect(haoping5.levels.map((l) => [l.code, l.value, l.label.zh, l.badReview === true])).toEqual(
			[
				['very_satisfied', 100, '非常满意', false],
				['satisfied', 80, '满意', false],
				['basically_satisfied', 60, '基本满意', false],
				['dissatisfied', 30, '不满意', true],
				['very_dissatisfied', 0, '非常不满意', true]
			]
		);
		expect(haoping5.dontKnow.code).toBe(DONT_KNOW_CODE);
	});

	it('every label has Chinese and English text', () => {
		for (const scale of Object.values(builtInScales)) {
			for (const l of [...scale.levels, scale.dontKnow]) {
				expect(l.label.zh.length).toBeGreaterThan(0);
				expect(l.label.en.length).toBeGreaterThan(0);
			}
		}
	});
});

describe('levelValue and isSatisfied', () => {
	it('maps codes to values, don’t-know to null and unknown codes to undefined', () => {
		expect(levelValue(ceping4, 'fairly_satisfied')).toBe(80);
		expect(levelValue(ceping4, 'dont_know')).toBeNull();
		expect(levelValue(ceping4, 'very_satisfied')).toBeUndefined();
		expect(levelValue(haoping5, 'dissatisfied')).toBe(30);
	});

	it('counts 基本满意 (60) and above as satisfied by default', () => {
		expect(isSatisfied(60)).toBe(true);
		expect(isSatisfied(59.9)).toBe(false);
		expect(isSatisfied(30)).toBe(false);
		expect(isSatisfied(70, 80)).toBe(false);
	});
});

describe('summariseLevelCounts', () => {
	it('好差评 counts 40/8/1/1/0 give 94.6 and 2 % bad reviews', () => {
		const s = summariseLevelCounts(haoping5, {
			very_satisfied: 40,
			satisfied: 8,
			basically_satisfied: 1,
			dissatisfied: 1,
			very_dissatisfied: 0
		});
		expect(s.score).toBeCloseTo(94.6, 10);
		expect(s.badReviewShare).toBeCloseTo(0.02, 12);
		expect(s.satisfiedShare).toBeCloseTo(49 / 50, 12);
		expect(s.nValid).toBe(50);
		expect(s.dkShare).toBe(0);
	});

	it('excludes don’t-know from the score but reports its share', () => {
		const s = summariseLevelCounts(ceping4, { satisfied: 3, dissatisfied: 1, dont_know: 4 });
		expect(s.score).toBe(75);
		expect(s.dkShare).toBe(0.5);
		expect(s.nDontKnow).toBe(4);
	});

	it('has null figures when nothing was rated', () => {
		expect(summariseLevelCounts(ceping4, {})).toEqual({
			score: null,
			satisfiedShare: null,
			badReviewShare: null,
			dkShare: null,
			nValid: 0,
			nDontKnow: 0
		});
		const onlyDk = summariseLevelCounts(ceping4, { dont_know: 5 });
		expect(onlyDk.score).toBeNull();
		expect(onlyDk.dkShare).toBe(1);
	});

	it('negative case (开县): 100 % dissatisfied scores 50 with a 100/90/70/50 mapping, 0 with ours', () => {
		const kaixian: ScaleLike = {
			levels: [
				{ code: 'very_satisfied', value: 100 },
				{ code: 'satisfied', value: 90 },
				{ code: 'basically_satisfied', value: 70 },
				{ code: 'dissatisfied', value: 50 }
			],
			dontKnow: { code: 'dont_know' }
		};
		expect(summariseLevelCounts(kaixian, { dissatisfied: 120 }).score).toBe(50);
		expect(summariseLevelCounts(ceping4, { dissatisfied: 120 }).score).toBe(0);
	});

	it('ignores negative and non-finite counts', () => {
		const s = summariseLevelCounts(ceping4, {
			satisfied: 2,
			dissatisfied: -5,
			fairly_satisfied: NaN
		});
		expect(s.score).toBe(100);
		expect(s.nValid).toBe(2);
	});
});

describe('levelCountsToCells', () => {
	it('turns level counts into unweighted cells and reports unknown codes', () => {
		const { cells, unknownCodes } = levelCountsToCells(
			haoping5,
			{
				very_satisfied: 40,
				satisfied: 8,
				basically_satisfied: 1,
				dissatisfied: 1,
				bogus: 3,
				dont_know: 2
			},
			{ unit: 'u', group: 'service_recipients', area: null }
		);
		expect(unknownCodes).toEqual(['bogus']);
		expect(cells).toContainEqual({
			unit: 'u',
			group: 'service_recipients',
			area: null,
			value: null,
			n: 2
		});
		const values = cells.filter((c) => c.value !== null);
		const est = estimateGroup([
			{
				cells: values.map((c) => ({
					value: c.value as number,
					n: c.n,
					sumW: c.n,
					sumW2: c.n
				})),
				factor: 1
			}
		]);
		expect(est?.score).toBeCloseTo(94.6, 10);
	});
});
