import type { pointsModes } from '$lib/schemas/cycle';

/**
 * Scoring parameters that are not (yet) part of `CycleConfig` in `$lib/schemas/cycle-config`.
 * They are kept here so the scoring core has one place to read them from; the lead engineer may
 * move them into the cycle configuration.
 */

/** The three built-in respondent groups (DESIGN.md §12). */
export const RESIDENTS = 'residents';
export const SERVICE_RECIPIENTS = 'service_recipients';
export const DEPUTIES = 'deputies';

export type PointsMode = (typeof pointsModes)[number];

export interface ScoringParameters {
	/** A unit whose pooled don't-know share (0–1) is above this gets the `high_dk_share` flag. */
	dkWarningShare: number;
	/** `rank_step` points never fall below this many points. */
	rankStepFloor: number;
	/** Minimum n_eff for a group that has no `minValid` of its own and no entry in `groupMinimums`. */
	defaultMinValid: number;
	/** Minimum n_eff per group code, used when the group spec gives no `minValid`. */
	groupMinimums: Readonly<Record<string, number>>;
	/** Groups that are post-stratified to area populations unless their spec says otherwise. */
	postStratifiedGroups: readonly string[];
	/** Points mode used when the caller gives none (the cycle's `pointsMode` normally). */
	pointsMode: PointsMode;
	/** Full assessment points when the caller gives no points spec. */
	fullPoints: number;
}

export const defaultGroupMinimums: Readonly<Record<string, number>> = {
	[RESIDENTS]: 30,
	[SERVICE_RECIPIENTS]: 30,
	[DEPUTIES]: 15
};

/** Default group weights per built-in category (DESIGN.md §6); each row sums to 1. */
export const defaultCategoryWeights: Readonly<Record<string, Readonly<Record<string, number>>>> = {
	township: { [RESIDENTS]: 0.5, [DEPUTIES]: 0.3, [SERVICE_RECIPIENTS]: 0.2 },
	street: { [RESIDENTS]: 0.5, [DEPUTIES]: 0.3, [SERVICE_RECIPIENTS]: 0.2 },
	dept_frontline: { [SERVICE_RECIPIENTS]: 0.4, [RESIDENTS]: 0.3, [DEPUTIES]: 0.3 },
	dept_general: { [DEPUTIES]: 0.5, [SERVICE_RECIPIENTS]: 0.3, [RESIDENTS]: 0.2 }
};

export function defaultScoringParameters(): ScoringParameters {
	return {
		dkWarningShare: 0.5,
		rankStepFloor: 0,
		defaultMinValid: 30,
		groupMinimums: { ...defaultGroupMinimums },
		postStratifiedGroups: [RESIDENTS],
		pointsMode: 'proportional',
		fullPoints: 10
	};
}
