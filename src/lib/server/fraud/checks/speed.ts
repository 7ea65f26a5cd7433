import type { Check, CheckContext } from './types';
import { isStraightLine, knownLevels } from './patterns';

/**
 * The reference duration the speed rules compare with: the survey's running median, or before
 * enough answers the fallback "hard" time (1 s per rating item + 10 s) expressed as a median, so
 * that `hard × reference` equals the fallback.
 */
export function referenceMs(ctx: CheckContext): { medianMs: number; fallback: boolean } {
	const s = ctx.rules.speed;
	if (ctx.speedMedianMs !== null && ctx.speedMedianMs > 0) {
		return { medianMs: ctx.speedMedianMs, fallback: false };
	}
	const hardMs = s.fallbackBaseMs + s.fallbackPerItemMs * ctx.survey.ratingItems;
	return { medianMs: hardMs / Math.max(s.hard, 0.01), fallback: true };
}

/**
 * `speed.hard` below 0.30 × median, `speed.soft` 0.30–0.40 × median (relative and generous: people
 * differ far more from each other than phones do). Before the median exists only the hard fallback
 * applies. Timing comes from the server (start token to submit), never from the client.
 */
export const speedCheck: Check = (input, ctx) => {
	if (input.durationMs === null || input.durationMs < 0) return [];
	const { medianMs, fallback } = referenceMs(ctx);
	const s = ctx.rules.speed;
	if (input.durationMs < s.hard * medianMs) return ['speed.hard'];
	if (!fallback && input.durationMs < s.soft * medianMs) return ['speed.soft'];
	return [];
};

/**
 * `straightline.fast`: one level for every known item (don't-know excluded) over enough items, and
 * fast. Straight-lining alone is not evidence: many honest residents are satisfied with everything
 * they know.
 */
export const straightLineCheck: Check = (input, ctx) => {
	const r = ctx.rules.straightline;
	if (input.durationMs === null) return [];
	const known = knownLevels(input.pattern);
	if (known.length < r.minKnown || !isStraightLine(known)) return [];
	const { medianMs } = referenceMs(ctx);
	return input.durationMs < r.speedBelow * medianMs ? ['straightline.fast'] : [];
};
