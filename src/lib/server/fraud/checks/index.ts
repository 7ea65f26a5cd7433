import type { ReasonCode, RuleSet } from '$lib/schemas/rule-set';
import {
	detectorReasonCodes,
	pipelineReasonCodes,
	reasonCodes,
	reviewReasonCodes
} from '$lib/schemas/rule-set';
import type { SubmissionStatus } from '../../responses/submit-response';
import type { Check, CheckContext, CheckInput } from './types';
import { speedCheck, straightLineCheck } from './speed';
import { powCheck, userAgentCheck } from './pow';
import { identityCheck } from './identity';
import { networkCheck } from './network';
import { logicCheck, trapCheck } from './answers';
import { textCheck } from './text';
import { allKnownCheck, sequenceCheck } from './patterns';

export type { Check, CheckContext, CheckInput, Peer, SurveyFacts } from './types';

/** Every per-submission check, in the order their codes are listed. */
export const checks: readonly Check[] = [
	speedCheck,
	straightLineCheck,
	sequenceCheck,
	allKnownCheck,
	powCheck,
	userAgentCheck,
	identityCheck,
	networkCheck,
	trapCheck,
	logicCheck,
	textCheck
];

/**
 * Runs every check. A check that throws on odd data must not decide anything (nor turn a resident
 * away): its finding is simply absent, and the caller logs nothing about the answers.
 */
export function runChecks(input: CheckInput, ctx: CheckContext): ReasonCode[] {
	const out = new Set<ReasonCode>();
	for (const check of checks) {
		try {
			for (const code of check(input, ctx)) out.add(code);
		} catch {
			// Deliberately ignored: see above.
		}
	}
	// Fast straight-lining already counts the speed: the same seconds are not evidence twice.
	if (out.has('straightline.fast')) out.delete('speed.soft');
	return [...out];
}

const pipelineSet = new Set<string>(pipelineReasonCodes);
const detectorSet = new Set<string>(detectorReasonCodes);
const reviewSet = new Set<string>(reviewReasonCodes);
const knownSet = new Set<string>([...reasonCodes, ...reviewReasonCodes]);

export const isPipelineCode = (c: string) => pipelineSet.has(c);
export const isDetectorCode = (c: string) => detectorSet.has(c);
export const isReviewCode = (c: string) => reviewSet.has(c);
export const isKnownCode = (c: string) => knownSet.has(c);

/** Codes in a stable order: the rule set's order, then review codes. */
export function sortCodes(codes: Iterable<string>): string[] {
	const order = [...reasonCodes, ...reviewReasonCodes] as readonly string[];
	const all = [...new Set(codes)];
	const known = all.filter(isKnownCode).sort((a, b) => order.indexOf(a) - order.indexOf(b));
	// Codes of other pipeline steps are kept as they are (they carry no points here).
	const other = all.filter((c) => !isKnownCode(c) && /^[A-Za-z0-9_.:-]{1,60}$/.test(c)).sort();
	return [...known, ...other];
}

export interface Verdict {
	action: SubmissionStatus;
	risk: number;
}

/**
 * The decision from reason codes alone: summed points against the thresholds (flag-only codes
 * count toward flagging but not toward quarantine), unless a reviewer decided.
 */
export function verdict(codes: readonly string[], rules: RuleSet): Verdict {
	let risk = 0;
	let escalating = 0;
	const flagOnly = new Set<string>(rules.flagOnly);
	for (const c of new Set(codes)) {
		const p = rules.points[c as ReasonCode] ?? 0;
		risk += p;
		if (!flagOnly.has(c)) escalating += p;
	}
	risk = Math.min(risk, 32_000);
	if (codes.includes('review.excluded')) return { action: 'excluded', risk };
	if (codes.includes('review.accepted')) return { action: 'accepted', risk };
	const t = rules.thresholds;
	const action =
		escalating >= t.quarantine ? 'quarantined' : risk >= t.flag ? 'flagged' : 'accepted';
	return { action, risk };
}
