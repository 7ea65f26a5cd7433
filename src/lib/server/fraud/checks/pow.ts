import type { Check } from './types';

/**
 * `pow.fast`: the proof of work solved much faster than the median of the same browser class, i.e.
 * on server hardware rather than the phone the user agent claims. Missing, invalid or expired proofs
 * are facts of the live pipeline (reason codes it records itself).
 */
export const powCheck: Check = (input, ctx) => {
	if (input.source !== 'live' || input.powMs === null || ctx.powMedianMs === null) return [];
	return input.powMs < ctx.rules.pow.fastRatio * ctx.powMedianMs ? ['pow.fast'] : [];
};

/** `ua.automation` for scripting tools and headless browsers that say so; `ua.missing` for none. */
export const userAgentCheck: Check = (input) => {
	if (input.source !== 'live') return [];
	if (input.uaClass === 'automation') return ['ua.automation'];
	if (input.uaClass === 'none') return ['ua.missing'];
	return [];
};
