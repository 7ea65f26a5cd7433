import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { defaultRuleSet, ruleSetSchema, type RuleSet } from '$lib/schemas/rule-set';
import { runChecks, sortCodes, verdict, type CheckContext, type CheckInput, type Peer } from '.';
import { speedCheck, straightLineCheck, referenceMs } from './speed';
import { powCheck, userAgentCheck } from './pow';
import { identityCheck, nearIdentical } from './identity';
import { networkCheck } from './network';
import { logicCheck, trapCheck } from './answers';
import { isCopied, isGibberish, normaliseText, textCheck } from './text';
import { hamming, isSequence, isStraightLine, knownLevels, sequenceCheck } from './patterns';

const T0 = Date.parse('2031-03-05T10:00:00+08:00');

function input(over: Partial<CheckInput> = {}): CheckInput {
	return {
		source: 'live',
		receivedAt: T0,
		durationMs: 150_000,
		powMs: 800,
		uaClass: 'wechat',
		pattern: '1020030000100000',
		groupCode: 'residents',
		areaCode: 'T01-V1',
		networkType: 'mobile',
		networkScope: 'county',
		answers: { attention: 'basic' },
		comments: [],
		...over
	};
}

function ctx(over: Partial<CheckContext> = {}, rules: RuleSet = defaultRuleSet): CheckContext {
	return {
		rules,
		survey: {
			ratingItems: 16,
			topLevel: 1,
			bottomLevel: 4,
			levelCount: 4,
			instructed: [{ id: 'attention', expected: 'basic' }],
			copyTexts: ['本题请选择基本满意', '群众满意度测评', normaliseText('县政务服务中心窗口服务')],
			ownUnits: new Map([
				['T01-V1', [0]],
				['T02-V1', [1]]
			])
		},
		speedMedianMs: 150_000,
		powMedianMs: 800,
		devicePeers: [],
		phonePeers: [],
		prefixPeers: [],
		...over
	};
}

const peer = (pattern: string, minutesAgo = 30, areaCode: string | null = 'T01-V1'): Peer => ({
	pattern,
	receivedAt: T0 - minutesAgo * 60_000,
	areaCode
});

describe('speed', () => {
	it('is hard below 0.30 × median and soft between 0.30 and 0.40', () => {
		expect(speedCheck(input({ durationMs: 44_000 }), ctx())).toEqual(['speed.hard']);
		expect(speedCheck(input({ durationMs: 45_000 }), ctx())).toEqual(['speed.soft']);
		expect(speedCheck(input({ durationMs: 59_000 }), ctx())).toEqual(['speed.soft']);
		expect(speedCheck(input({ durationMs: 60_000 }), ctx())).toEqual([]);
	});

	it('uses 1 s per rating item + 10 s before the median exists, hard only', () => {
		const c = ctx({ speedMedianMs: null });
		expect(referenceMs(c).fallback).toBe(true);
		expect(speedCheck(input({ durationMs: 25_999 }), c)).toEqual(['speed.hard']);
		expect(speedCheck(input({ durationMs: 26_000 }), c)).toEqual([]);
		expect(speedCheck(input({ durationMs: 30_000 }), c)).toEqual([]);
	});

	it('ignores imports without a start time', () => {
		expect(speedCheck(input({ durationMs: null, source: 'paper' }), ctx())).toEqual([]);
	});

	it('counts straight-lining only together with speed', () => {
		const line = '1111111111000000';
		expect(straightLineCheck(input({ pattern: line, durationMs: 70_000 }), ctx())).toEqual([
			'straightline.fast'
		]);
		expect(straightLineCheck(input({ pattern: line, durationMs: 150_000 }), ctx())).toEqual([]);
		// Seven known answers are not enough to call it straight-lining.
		expect(
			straightLineCheck(input({ pattern: '1111111000000000', durationMs: 20_000 }), ctx())
		).toEqual([]);
		expect(
			straightLineCheck(input({ pattern: '1111111121000000', durationMs: 20_000 }), ctx())
		).toEqual([]);
	});
});

describe('patterns', () => {
	it('measures Hamming distance and known answers', () => {
		expect(hamming('1200', '1300')).toBe(1);
		expect(hamming('12', '1234')).toBe(2);
		expect(knownLevels('10203')).toEqual([1, 2, 3]);
		expect(isStraightLine([])).toBe(false);
	});

	it('finds alternating and ladder sequences but not ordinary answers', () => {
		expect(isSequence([1, 2, 1, 2, 1, 2, 1, 2], 4)).toBe(true);
		expect(isSequence([1, 2, 3, 4, 1, 2, 3, 4], 4)).toBe(true);
		expect(isSequence([4, 3, 2, 1, 4, 3, 2, 1], 4)).toBe(true);
		expect(isSequence([1, 1, 2, 1, 3, 1, 1, 2], 4)).toBe(false);
		expect(isSequence([1, 1, 1, 1, 1, 1, 1, 1], 4)).toBe(false);
		expect(sequenceCheck(input({ pattern: '1212121200000000' }), ctx())).toEqual([
			'pattern.sequence'
		]);
		expect(sequenceCheck(input({ pattern: '1212120000000000' }), ctx())).toEqual([]);
	});
});

describe('proof of work and user agent', () => {
	it('flags a solve far faster than the median of the browser class', () => {
		expect(powCheck(input({ powMs: 100 }), ctx())).toEqual(['pow.fast']);
		expect(powCheck(input({ powMs: 200 }), ctx())).toEqual([]);
		expect(powCheck(input({ powMs: 100 }), ctx({ powMedianMs: null }))).toEqual([]);
		expect(powCheck(input({ powMs: null }), ctx())).toEqual([]);
	});

	it('marks automation and a missing user agent on live submissions only', () => {
		expect(userAgentCheck(input({ uaClass: 'automation' }), ctx())).toEqual(['ua.automation']);
		expect(userAgentCheck(input({ uaClass: 'none' }), ctx())).toEqual(['ua.missing']);
		expect(userAgentCheck(input({ uaClass: 'none', source: 'paper' }), ctx())).toEqual([]);
	});
});

describe('identity', () => {
	it('calls near-identical answers on the same device hours later a duplicate', () => {
		const c = ctx({ devicePeers: [peer('1020030000100000', 300)] });
		expect(identityCheck(input(), c)).toEqual(['identity.duplicate']);
		// One unit added (a don't-know now rated) is not disagreement: the same person answering again.
		expect(identityCheck(input({ pattern: '1020030000100020' }), c)).toEqual([
			'identity.duplicate'
		]);
	});

	it('calls different answers on a shared device a shared device', () => {
		const c = ctx({ devicePeers: [peer('2000000100000000', 300)] });
		expect(identityCheck(input({ pattern: '1020030000100000' }), c)).toEqual(['identity.shared']);
	});

	it('lets a household member answer alike on the same phone within the household window', () => {
		// 30 minutes after: only an exact copy is a duplicate; a like-minded relative is a household.
		const c = ctx({ devicePeers: [peer('1020030000100000', 30)] });
		expect(identityCheck(input({ pattern: '1020030000100020' }), c)).toEqual([
			'identity.household'
		]);
		expect(identityCheck(input({ pattern: '1020030000100000' }), c)).toEqual([
			'identity.duplicate'
		]);
		// All 满意 over the units the family knows: the commonest answer, a match proves nothing.
		const allTop = ctx({ devicePeers: [peer('1010010000100000', 30)] });
		expect(identityCheck(input({ pattern: '1010010000100000' }), allTop)).toEqual([
			'identity.household'
		]);
		// The same answer a day later: the same person.
		const later = ctx({ devicePeers: [peer('1010010000100000', 24 * 60)] });
		expect(identityCheck(input({ pattern: '1010010000100000' }), later)).toEqual([
			'identity.duplicate'
		]);
	});

	it('gives a household no points and a later shared key one, neither of them excluding', () => {
		expect(verdict(['identity.household', 'network.out_of_county'], defaultRuleSet).action).toBe(
			'accepted'
		);
		expect(verdict(['identity.shared', 'network.out_of_county'], defaultRuleSet).action).toBe(
			'flagged'
		);
	});

	it('counts agreement over the units both rated, and needs some', () => {
		// One known unit each, different: few differences, but nothing in common.
		expect(nearIdentical('1000', '0100', 3, 0.6)).toBe(false);
		expect(nearIdentical('1000', '1000', 3, 0.6)).toBe(true);
		expect(nearIdentical('0000', '0000', 3, 0.6)).toBe(true);
		// Two units dropped to don't-know and one added: the four rated in common all agree.
		expect(nearIdentical('1234100000', '1234003000', 5, 0.75)).toBe(true);
		// The same units rated, two of four differently: someone else.
		expect(nearIdentical('1234000000', '1243000000', 5, 0.75)).toBe(false);
	});

	it('treats the fourth submission on a key as a duplicate whatever it says', () => {
		const c = ctx({
			phonePeers: [peer('2000000000000000'), peer('0200000000000000'), peer('0020000000000000')]
		});
		expect(identityCheck(input({ pattern: '0002000000000004' }), c)).toEqual([
			'identity.duplicate'
		]);
	});

	it('has nothing to say without earlier submissions', () => {
		expect(identityCheck(input(), ctx())).toEqual([]);
	});
});

describe('network', () => {
	it('adds points for clouds and proxies, never for mobile networks', () => {
		expect(networkCheck(input({ networkType: 'cloud', networkScope: 'other' }), ctx())).toEqual([
			'network.datacenter',
			'network.out_of_county'
		]);
		expect(networkCheck(input({ networkType: 'resi_proxy', networkScope: null }), ctx())).toEqual([
			'network.proxy'
		]);
		expect(networkCheck(input({ networkType: null, networkScope: null }), ctx())).toEqual([]);
	});

	it('finds near-identical answers from one narrow network and area within a day', () => {
		const p = '1220030010200000';
		const c = ctx({ prefixPeers: [peer(p, 60)] });
		expect(networkCheck(input({ pattern: p, networkType: 'broadband' }), c)).toEqual([
			'network.near_duplicate'
		]);
		// Not on mobile networks (carrier-grade NAT), not across areas, not after the window.
		expect(networkCheck(input({ pattern: p, networkType: 'mobile' }), c)).toEqual([]);
		expect(
			networkCheck(
				input({ pattern: p, networkType: 'broadband' }),
				ctx({ prefixPeers: [peer(p, 60, 'T02-V1')] })
			)
		).toEqual([]);
		expect(
			networkCheck(
				input({ pattern: p, networkType: 'broadband' }),
				ctx({ prefixPeers: [peer(p, 25 * 60)] })
			)
		).toEqual([]);
		// Everything-satisfied neighbours are ordinary.
		const all = '1111100000000000';
		expect(
			networkCheck(
				input({ pattern: all, networkType: 'broadband' }),
				ctx({ prefixPeers: [peer(all)] })
			)
		).toEqual([]);
	});
});

describe('answers', () => {
	it('fails the trap item only when answered otherwise', () => {
		expect(trapCheck(input({ answers: { attention: 'satisfied' } }), ctx())).toEqual([
			'trap.failed'
		]);
		expect(trapCheck(input({ answers: { attention: 'basic' } }), ctx())).toEqual([]);
		expect(trapCheck(input({ answers: {} }), ctx())).toEqual([]);
		expect(trapCheck(input({ answers: { attention: ['basic', 'satisfied'] } }), ctx())).toEqual([
			'trap.failed'
		]);
	});

	it('finds logical inconsistencies', () => {
		expect(logicCheck(input({ pattern: '0200000000000000' }), ctx())).toEqual([
			'logic.inconsistent'
		]);
		expect(logicCheck(input({ pattern: '1200000000000000' }), ctx())).toEqual([]);
		expect(
			logicCheck(
				input({ groupCode: 'service_recipients', areaCode: null, answers: { _serviceUse: 'no' } }),
				ctx()
			)
		).toEqual(['logic.inconsistent']);
		expect(
			logicCheck(
				input({
					groupCode: 'service_recipients',
					areaCode: null,
					pattern: '0000',
					answers: { _serviceUse: 'no' }
				}),
				ctx()
			)
		).toEqual([]);
	});
});

describe('text', () => {
	it('finds gibberish but not ordinary comments or set phrases', () => {
		expect(isGibberish('asdfasdfasdf', 6)).toBe(true);
		expect(isGibberish('哈哈哈哈哈哈哈', 6)).toBe(true);
		expect(isGibberish('好的好的好的好的', 6)).toBe(true);
		expect(isGibberish('qwrtpsdfghjk', 6)).toBe(true);
		expect(isGibberish('很好', 6)).toBe(false);
		expect(isGibberish('窗口办事效率很高，态度也好', 6)).toBe(false);
		expect(isGibberish('希望村里的路灯早点修好 thanks', 6)).toBe(false);
	});

	it('finds comments that copy the questionnaire', () => {
		const copy = ['本题请选择基本满意', normaliseText('县政务服务中心窗口服务')];
		expect(isCopied('本题请选择“基本满意”', copy, 6)).toBe(true);
		expect(isCopied('政务服务中心窗口', copy, 6)).toBe(true);
		expect(isCopied('窗口服务很好', copy, 6)).toBe(false);
	});

	it('marks each kind once per submission', () => {
		expect(
			textCheck(input({ comments: ['asdfasdfasdf', 'zzzzzzzz', '本题请选择基本满意'] }), ctx())
		).toEqual(['text.gibberish', 'text.copied']);
	});
});

describe('odd data never throws', () => {
	const odd: Partial<CheckInput>[] = [
		{ pattern: '' },
		{ pattern: '0000000000000000' },
		{ pattern: '9'.repeat(500) },
		{ comments: ['😀'.repeat(50_000)] },
		{ comments: ['a'.repeat(1_000_000)] },
		{ comments: ['مرحبا Привет 你好 こんにちは 😀🇨🇳 \u200b\u202e'] },
		{ comments: [''] },
		{ answers: { attention: [] } },
		{ durationMs: -5, powMs: -1, uaClass: null, areaCode: null, networkType: 'weird' },
		{ durationMs: Number.MAX_SAFE_INTEGER }
	];
	for (const o of odd) {
		it(`copes with ${JSON.stringify(o).slice(0, 60)}`, () => {
			const c = ctx({ devicePeers: [peer('')], prefixPeers: [peer('')] });
			expect(() => runChecks(input(o), c)).not.toThrow();
			expect(() =>
				runChecks(input(o), ctx({ speedMedianMs: null, powMedianMs: null }))
			).not.toThrow();
		});
	}

	it('copes with any string as a pattern or comment (property)', () => {
		let runs = 0;
		fc.assert(
			fc.property(
				fc.string({ maxLength: 200 }),
				fc.string({ unit: 'grapheme', maxLength: 300 }),
				(p, t) => {
					const codes = runChecks(
						input({ pattern: p, comments: [t] }),
						ctx({ devicePeers: [peer(p)] })
					);
					runs++;
					return Array.isArray(codes);
				}
			)
		);
		expect(runs).toBeGreaterThan(0);
	});
});

describe('decision', () => {
	it('accepts 0–1, flags 2, quarantines 3 or more', () => {
		expect(verdict([], defaultRuleSet)).toEqual({ action: 'accepted', risk: 0 });
		expect(verdict(['trap.failed'], defaultRuleSet).action).toBe('accepted');
		expect(verdict(['trap.failed', 'speed.soft'], defaultRuleSet).action).toBe('flagged');
		expect(verdict(['trap.failed', 'straightline.fast'], defaultRuleSet).action).toBe(
			'quarantined'
		);
		expect(verdict(['speed.hard'], defaultRuleSet).action).toBe('quarantined');
	});

	it('never quarantines on flag-only signals (geography, a shared phone, a busy network)', () => {
		const v = verdict(
			['network.out_of_county', 'identity.shared', 'prefix.volume', 'text.duplicate'],
			defaultRuleSet
		);
		expect(v).toEqual({ action: 'flagged', risk: 4 });
	});

	it('never rejects: one trap item, straight-lining or the network alone do not exclude', () => {
		for (const codes of [['trap.failed'], ['network.out_of_county'], ['network.near_duplicate']]) {
			expect(['accepted', 'flagged']).toContain(verdict(codes, defaultRuleSet).action);
		}
	});

	it('lets a reviewer’s decision outrank the points', () => {
		expect(verdict(['speed.hard', 'review.accepted'], defaultRuleSet).action).toBe('accepted');
		expect(verdict(['review.excluded'], defaultRuleSet).action).toBe('excluded');
	});

	it('follows a changed rule set', () => {
		const strict = ruleSetSchema.parse({ thresholds: { flag: 1, quarantine: 2 } });
		expect(verdict(['trap.failed'], strict).action).toBe('flagged');
		expect(verdict(['speed.soft', 'trap.failed'], strict).action).toBe('quarantined');
	});

	it('keeps codes in a stable order and drops nothing it does not know of', () => {
		expect(sortCodes(['trap.failed', 'speed.hard', 'x.other', 'trap.failed'])).toEqual([
			'speed.hard',
			'trap.failed',
			'x.other'
		]);
		expect(sortCodes(['bad code!'])).toEqual([]);
	});
});
