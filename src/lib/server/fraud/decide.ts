import type { DbOrTx } from '../db/client';
import type { SubmissionStatus } from '../responses/submit-response';
import type { SurveyView } from '../surveys/survey-view';
import type { RuleSet } from '$lib/schemas/rule-set';
import { runChecks, sortCodes, verdict, type CheckContext, type CheckInput } from './checks';
import { loadPeers, loadSurveyFacts, runningStats } from './context';
import { ruleSetFor } from './rules';

/** What the pipeline knows about one submission when it decides (no raw network data). */
export interface SubmissionFacts {
	surveyId: number;
	ruleSetVersion: number;
	receivedAt: Date;
	durationMs: number | null;
	powMs: number | null;
	/** Pipeline reason codes already found (pow.missing, token.stale, …). */
	reasons: string[];
	pattern: string;
	groupCode: string;
	areaCode: string | null;
	ipPrefixHash: string | null;
	deviceHash: string | null;
	phoneHash: string | null;
	/** asn_type from the network table (null: unknown network). */
	networkType: string | null;
	networkScope?: string | null;
	identityTier: string;
	comments: string[];
	answers: Record<string, string | string[]>;
	source?: 'live' | 'paper' | 'external';
	uaClass?: string | null;
}

export interface Decision {
	action: SubmissionStatus;
	risk: number;
	weight: number;
	reasons: string[];
}

/** Free-text answers count as text for the gibberish and copy checks, like comments. */
export function textsOf(
	view: Pick<SurveyView, 'questions'>,
	answers: Record<string, string | string[]>,
	comments: string[]
): string[] {
	const textIds = new Set(view.questions.filter((q) => q.type === 'text').map((q) => q.id));
	const out = [...comments];
	for (const [id, a] of Object.entries(answers)) {
		if (textIds.has(id) && typeof a === 'string' && a) out.push(a);
	}
	return out;
}

/** Whether the prefix rule applies to this network type (narrow networks only; never mobile). */
export function prefixRuleApplies(networkType: string | null, rules: RuleSet): boolean {
	return !!networkType && (rules.prefix.types as readonly string[]).includes(networkType);
}

/**
 * The anti-fraud decision of the submit pipeline: every per-submission check of the survey's rule
 * set, with the running medians and the earlier submissions sharing a key loaded before the submit
 * transaction (two cheap statements, one of them cached). Never rejects: hard failures are the
 * pipeline's own and happen before this; here weak signals only add risk points.
 */
export async function decideSubmission(
	db: DbOrTx,
	view: SurveyView,
	facts: SubmissionFacts
): Promise<Decision> {
	const rules = await ruleSetFor(db, view.cycleId, facts.ruleSetVersion);
	const [survey, stats, peers] = await Promise.all([
		loadSurveyFacts(db, view),
		runningStats(db, facts.surveyId, facts.receivedAt, rules),
		loadPeers(
			db,
			facts.surveyId,
			{
				deviceHash: facts.deviceHash,
				phoneHash: facts.phoneHash,
				prefixHash: prefixRuleApplies(facts.networkType, rules) ? facts.ipPrefixHash : null
			},
			facts.receivedAt,
			rules
		)
	]);
	const input: CheckInput = {
		source: facts.source ?? 'live',
		receivedAt: facts.receivedAt.getTime(),
		durationMs: facts.durationMs,
		powMs: facts.powMs,
		uaClass: facts.uaClass ?? null,
		pattern: facts.pattern,
		groupCode: facts.groupCode,
		areaCode: facts.areaCode,
		networkType: facts.networkType,
		networkScope: facts.networkScope ?? null,
		answers: facts.answers,
		comments: textsOf(view, facts.answers, facts.comments)
	};
	const ctx: CheckContext = {
		rules,
		survey,
		speedMedianMs: stats.speedMedianMs,
		powMedianMs: facts.uaClass ? (stats.powMedianMs.get(facts.uaClass) ?? null) : null,
		devicePeers: peers.device,
		phonePeers: peers.phone,
		prefixPeers: peers.prefix
	};
	const codes = sortCodes([...facts.reasons, ...runChecks(input, ctx)]);
	const v = verdict(codes, rules);
	return { action: v.action, risk: v.risk, weight: 1, reasons: codes };
}
