import type { ReasonCode, RuleSet } from '$lib/schemas/rule-set';

/**
 * What the per-submission checks see: stored facts only (durations, hashes, network type, answers),
 * so that the pipeline and the retrospective pass run the very same functions on the same inputs.
 */
export interface CheckInput {
	source: 'live' | 'paper' | 'external';
	/** Epoch milliseconds. */
	receivedAt: number;
	durationMs: number | null;
	powMs: number | null;
	uaClass: string | null;
	/** Rating levels in survey order, one digit each (0 = don't know). */
	pattern: string;
	groupCode: string;
	areaCode: string | null;
	networkType: string | null;
	networkScope: string | null;
	answers: Record<string, string | string[]>;
	comments: string[];
}

/** What the checks need to know about the survey (fixed while it runs). */
export interface SurveyFacts {
	ratingItems: number;
	/** Level index (1..k) of the best and the worst level of the scale. */
	topLevel: number;
	bottomLevel: number;
	levelCount: number;
	/** Instructed-response (attention) items and the option they ask for. */
	instructed: { id: string; expected: string }[];
	/** Normalised texts a copied comment would repeat: questions, options, unit names, title. */
	copyTexts: string[];
	/** Area code → indexes (in survey order) of the units that are that area's own township. */
	ownUnits: Map<string, number[]>;
}

/** An earlier submission sharing an identity key or a network prefix. */
export interface Peer {
	pattern: string;
	receivedAt: number;
	areaCode: string | null;
}

export interface CheckContext {
	rules: RuleSet;
	survey: SurveyFacts;
	/** Running median duration of the survey (null before enough answers). */
	speedMedianMs: number | null;
	/** Median proof-of-work solve time of the same browser class (null before enough answers). */
	powMedianMs: number | null;
	/** Earlier submissions with the same device cookie hash, phone hash, network prefix. */
	devicePeers: Peer[];
	phonePeers: Peer[];
	prefixPeers: Peer[];
}

export type Check = (input: CheckInput, ctx: CheckContext) => ReasonCode[];
