import { z } from 'zod';

/**
 * The methodology parameters of a cycle (DESIGN.md §6). Every number the scoring uses comes from here,
 * so a published score can be reproduced from the stored answers and this stored configuration.
 */
export const cycleConfigSchema = z.object({
	/** Levels worth at least this much count as satisfied. */
	satisfiedThreshold: z.number().min(0).max(100).default(60),
	confidenceLevel: z.number().gt(0.5).lt(1).default(0.95),
	postStratification: z
		.object({
			enabled: z.boolean().default(true),
			minStratumSize: z.number().int().min(1).default(5),
			weightCap: z.number().min(1).default(5),
			weightFloor: z.number().gt(0).max(1).default(0.2)
		})
		.prefault({}),
	rankable: z
		.object({
			minGroups: z.number().int().min(1).default(2),
			minValid: z.number().int().min(0).default(60)
		})
		.prefault({}),
	/** Deputies' minimum may instead be this share of the roster, whichever is smaller. */
	rosterMinShare: z.number().min(0).max(1).default(0.5),
	rankDecimals: z.number().int().min(0).max(4).default(2),
	categoryRelativeBase: z.number().min(0).max(1).default(0.6),
	rankStep: z.number().min(0).default(0.2),
	/** Numeric panels drop their highest and lowest mark when they have more raters than this. */
	panelTrimAbove: z.number().int().min(2).default(5)
});

export type CycleConfig = z.infer<typeof cycleConfigSchema>;

export function defaultCycleConfig(): CycleConfig {
	return cycleConfigSchema.parse({});
}
