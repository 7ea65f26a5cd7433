import type { SubmissionStatus } from '../responses/submit-response';

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
	networkType: string | null;
	identityTier: string;
	comments: string[];
	answers: Record<string, string | string[]>;
}

export interface Decision {
	action: SubmissionStatus;
	risk: number;
	weight: number;
	reasons: string[];
}

/**
 * Stores every submission that passed the hard checks as accepted, keeping the pipeline's reason
 * codes; the anti-fraud checks replace this with risk points from the cycle's rule set.
 */
export async function decideSubmission(facts: SubmissionFacts): Promise<Decision> {
	return { action: 'accepted', risk: 0, weight: 1, reasons: [...facts.reasons] };
}
