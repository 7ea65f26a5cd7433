import type { ReasonCode } from '$lib/schemas/rule-set';
import type { Check } from './types';

/**
 * `trap.failed`: an instructed-response item ("本题请选择'基本满意'") answered otherwise. One point
 * only: attention checks measure attention with error and fail more often among the young and the
 * less educated, so they never decide alone.
 */
export const trapCheck: Check = (input, ctx) => {
	for (const item of ctx.survey.instructed) {
		const a = input.answers[item.id];
		if (a === undefined || a === '' || (Array.isArray(a) && a.length === 0)) continue;
		const given = Array.isArray(a) ? a : [a];
		if (given.length !== 1 || given[0] !== item.expected) return ['trap.failed'];
	}
	return [];
};

/**
 * `logic.inconsistent`: answers that contradict each other: a service recipient who says they did
 * not use any service this year but rates units, or a resident who does not know their own township.
 */
export const logicCheck: Check = (input, ctx) => {
	const out: ReasonCode[] = [];
	if (input.answers._serviceUse === 'no' && /[1-9]/.test(input.pattern)) {
		out.push('logic.inconsistent');
	}
	if (!out.length && input.areaCode && input.groupCode === 'residents') {
		const own = ctx.survey.ownUnits.get(input.areaCode) ?? [];
		if (own.length && own.every((i) => input.pattern.charAt(i) === '0')) {
			out.push('logic.inconsistent');
		}
	}
	return out;
};
