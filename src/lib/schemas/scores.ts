import { z } from 'zod';
import type { CycleConfig } from './cycle-config';

/**
 * Scores as the API (DESIGN.md §12), the console and the exports see them. Client-safe: pages
 * import these types. Scores are 0–100, rates and shares 0–1, all unrounded.
 */

export const exclusionModes = ['applied', 'none'] as const;
export type ExclusionMode = (typeof exclusionModes)[number];

export const scoreFormats = ['json', 'csv', 'xlsx'] as const;
export type ScoreFormat = (typeof scoreFormats)[number];

/** `live`, `published` (the latest published snapshot) or a snapshot id. */
export const snapshotSelectorSchema = z.union([
	z.enum(['live', 'published']),
	z
		.string()
		.regex(/^[1-9][0-9]{0,9}$/, { error: 'invalid_snapshot' })
		.transform(Number)
]);
export type SnapshotSelector = 'live' | 'published' | number;

export const scoresQuerySchema = z.object({
	format: z.enum(scoreFormats, { error: 'invalid_format' }).default('json'),
	/** Absent means the snapshot's own mode, or `applied` for live scores. */
	exclusions: z.enum(exclusionModes, { error: 'invalid_exclusions' }).optional(),
	snapshot: snapshotSelectorSchema.default('live')
});

export const createSnapshotSchema = z.object({
	exclusions: z.enum(exclusionModes, { error: 'invalid_exclusions' }).default('applied')
});

/** One stratum of a post-stratified group (residents by village or township). */
export interface StratumItem {
	code: string;
	members: string[];
	population: number | null;
	n: number;
	targetShare: number;
	share: number;
	weight: number;
	selfRepresenting: boolean;
}

export interface GroupItem {
	group: string;
	score: number | null;
	/** Without post-stratification. */
	scoreUnadjusted: number | null;
	rate: number | null;
	rateCi: [number, number] | null;
	se: number | null;
	ci: [number, number] | null;
	nValid: number;
	nDontKnow: number;
	dkShare: number | null;
	nEff: number;
	/** The category's configured weight. */
	weight: number;
	/** The weight used after renormalisation (0 when the group was left out). */
	appliedWeight: number;
	used: boolean;
	qualifies: boolean;
	minimum: number;
	flags: string[];
	strata: StratumItem[] | null;
}

export interface ScoreItem {
	unit: string;
	unitName: string;
	category: string;
	categoryName: string;
	score: number | null;
	scoreUnadjusted: number | null;
	satisfactionRate: number | null;
	dkShare: number | null;
	/** Answers (ratings) received for the unit, every status, 不了解 included. */
	nSubmitted: number;
	/** Answers left out of this computation (quarantined or excluded); 0 with `exclusions=none`. */
	nExcluded: number;
	/** Quarantined and excluded answers, whatever the mode. */
	excluded: { quarantined: number; excluded: number };
	nValid: number;
	nDontKnow: number;
	nEff: number;
	se: number | null;
	ci: [number, number] | null;
	rankable: boolean;
	rank: number | null;
	rankOf: number;
	points: number | null;
	bottom: boolean;
	flags: string[];
	groups: GroupItem[];
}

export interface CategoryItem {
	category: string;
	name: string;
	nUnits: number;
	nRanked: number;
	/** Mean of the ranked units' scores, the reference of the 末位 rule. */
	mean: number | null;
}

/** The parameters a computation used, for the method sheet and for reproducing it. */
export interface MethodParameters {
	configVersion: number;
	ruleSetVersion: number | null;
	config: CycleConfig;
	pointsMode: string;
	fullPoints: number;
	categories: { code: string; name: string; weights: Record<string, number> }[];
	groups: { code: string; label: string; minValid: number }[];
}

/** What a computation produced; stored as a snapshot's `results`. */
export interface ScoresBody {
	exclusions: ExclusionMode;
	/** `ratings`: full scan; `rollups`: the live roll-up table. */
	source: 'ratings' | 'rollups';
	computedAt: string;
	parameters: MethodParameters;
	categories: CategoryItem[];
	/** Problems not tied to one unit (from the scoring core). */
	flags: string[];
	/** What is missing for a complete result (no answers, populations, groups without survey…). */
	notes: string[];
	items: ScoreItem[];
}

export type SnapshotStatus = 'live' | 'published';

export interface SnapshotRef {
	/** null for scores computed on request. */
	id: number | null;
	status: SnapshotStatus;
	createdAt: string | null;
	createdBy: string | null;
	publishedAt: string | null;
}

/** `GET /api/v1/cycles/{id}/scores` (JSON). */
export interface ScoresDocument {
	cycle: { id: number; name: string; year: number };
	snapshot: SnapshotRef;
	computedAt: string;
	configVersion: number;
	ruleSetVersion: number | null;
	exclusions: ExclusionMode;
	source: 'ratings' | 'rollups';
	categories: CategoryItem[];
	flags: string[];
	notes: string[];
	parameters: MethodParameters;
	items: ScoreItem[];
}

export interface DiffChange {
	before: number | null;
	after: number | null;
	/** after − before; null when either is missing. */
	delta: number | null;
}

export interface UnitDiff {
	unit: string;
	unitName: string;
	category: string;
	score: DiffChange;
	rank: DiffChange;
	points: DiffChange;
}

/** Changes of a snapshot against the last published one (same exclusion mode). */
export interface SnapshotDiff {
	baseId: number;
	basePublishedAt: string | null;
	/** Units whose score, rank or points changed. */
	changed: UnitDiff[];
	added: string[];
	removed: string[];
}

export interface SnapshotSummary {
	id: number;
	cycleId: number;
	computedAt: string;
	configVersion: number;
	ruleSetVersion: number | null;
	status: SnapshotStatus;
	exclusions: ExclusionMode;
	createdBy: string;
	publishedAt: string | null;
	publishedBy: string | null;
	diff: SnapshotDiff | null;
}
