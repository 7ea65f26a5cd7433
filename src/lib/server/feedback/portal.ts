import { and, desc, eq, inArray, lte, sql } from 'drizzle-orm';
import type { DbOrTx } from '../db/client';
import { area, cycle, group, ratingRollup, unit, type Cycle } from '../db/schema';
import { NotFoundError } from '../errors';
import { COUNTED_STATUSES, DONT_KNOW_VALUE, ensureRollups, NO_AREA } from '../scoring/aggregate';
import { countyToday } from '$lib/feedback/rectification';
import type { CategoryItem, ScoreItem } from '$lib/schemas/scores';
import {
	appealWindow,
	listAppeals,
	portalSnapshot,
	type AppealView,
	type AppealWindow
} from './appeals';
import { unitComments, type UnitComment } from './comments';
import { listProblemTypes } from './problem-types';
import { listRectifications, type RectificationView } from './rectifications';
import { followupCycleIds } from './settings';

/**
 * The unit portal's data (one unit, one cycle): the published result, where the unit scored
 * lowest, the trend against last cycle, residents' comments (redacted, visible ones only), its
 * rectification items and appeals. Callers check the scope first (`assertUnitScope`).
 */

/** Area cells with fewer valid answers than this show no mean: a tiny village could point at people. */
export const MIN_AREA_CELL = 5;
/** How many low items the portal lists. */
export const LOW_ITEMS = 5;

export interface PortalCycle {
	id: number;
	name: string;
	year: number;
	status: Cycle['status'];
}

/** The cycles that have a unit with this code, newest first, follow-up cycles left out. */
export async function unitCycles(
	db: DbOrTx,
	unitCode: string
): Promise<(PortalCycle & { unitId: number })[]> {
	const skip = await followupCycleIds(db);
	const rows = await db
		.select({
			id: cycle.id,
			name: cycle.name,
			year: cycle.year,
			status: cycle.status,
			unitId: unit.id
		})
		.from(unit)
		.innerJoin(cycle, eq(unit.cycleId, cycle.id))
		.where(eq(unit.code, unitCode))
		.orderBy(desc(cycle.year), desc(cycle.id));
	return rows.filter((r) => !skip.has(r.id));
}

/** The cycle a portal request is about: the given one if it has the unit, else the latest. */
export async function portalCycle(db: DbOrTx, unitCode: string, cycleId?: number | null) {
	const cycles = await unitCycles(db, unitCode);
	const picked = cycleId ? cycles.find((c) => c.id === cycleId) : cycles[0];
	if (!picked) throw new NotFoundError('not_found');
	return { cycle: picked, cycles };
}

export interface PortalGroup {
	group: string;
	label: string;
	score: number | null;
	rate: number | null;
	ci: [number, number] | null;
	nValid: number;
	nEff: number;
	weight: number;
	used: boolean;
	/** Mean of this group's scores over the category's units in the same snapshot. */
	peerMean: number | null;
}

export interface PortalArea {
	group: string;
	groupLabel: string;
	area: string | null;
	areaName: string | null;
	nValid: number;
	nDontKnow: number;
	/** null when the cell is too small to show (see MIN_AREA_CELL) or has no valid answer. */
	mean: number | null;
	rate: number | null;
	suppressed: boolean;
}

export interface LowItem {
	/** `group:<code>` or `area:<code>`: what a rectification item created from it refers to. */
	ref: string;
	kind: 'group' | 'area';
	label: string;
	groupLabel: string;
	score: number;
	n: number;
	peerMean: number | null;
}

export interface PortalData {
	unit: { code: string; name: string; categoryName: string };
	cycle: PortalCycle;
	cycles: PortalCycle[];
	published: {
		snapshotId: number;
		publishedAt: string | null;
		exclusions: string;
		item: ScoreItem | null;
		category: CategoryItem | null;
		groups: PortalGroup[];
	} | null;
	areas: PortalArea[];
	lowItems: LowItem[];
	/** Same unit code in the previous cycle's published result. */
	lastCycle: {
		cycle: PortalCycle;
		score: number | null;
		rank: number | null;
		rankOf: number | null;
		points: number | null;
		published: boolean;
	} | null;
	comments: UnitComment[];
	rectifications: RectificationView[];
	appeals: AppealView[];
	appealWindow: AppealWindow;
	problemTypes: { code: string; name: string }[];
}

function mean(values: number[]): number | null {
	return values.length ? values.reduce((a, b) => a + b, 0) / values.length : null;
}

/**
 * Area means of the unit's counted answers from the roll-ups, up to the published snapshot's day
 * (answers that arrived later are not part of the published result).
 */
async function areaBreakdown(
	db: DbOrTx,
	cycleId: number,
	unitId: number,
	upToDay: string,
	satisfiedThreshold: number
): Promise<PortalArea[]> {
	await ensureRollups(db, cycleId);
	const rows = await db
		.select({
			groupId: ratingRollup.groupId,
			areaId: ratingRollup.areaId,
			value: ratingRollup.value,
			n: sql<number>`sum(${ratingRollup.n})::float8`.mapWith(Number),
			sumW: sql<number>`sum(${ratingRollup.sumW})`.mapWith(Number)
		})
		.from(ratingRollup)
		.where(
			and(
				eq(ratingRollup.cycleId, cycleId),
				eq(ratingRollup.unitId, unitId),
				inArray(ratingRollup.status, [...COUNTED_STATUSES]),
				lte(ratingRollup.day, upToDay)
			)
		)
		.groupBy(ratingRollup.groupId, ratingRollup.areaId, ratingRollup.value);
	const groups = await db.select().from(group).where(eq(group.cycleId, cycleId));
	const areas = await db.select().from(area).where(eq(area.cycleId, cycleId));
	const groupById = new Map(groups.map((g) => [g.id, g]));
	const areaById = new Map(areas.map((a) => [a.id, a]));
	const cells = new Map<string, { groupId: number; areaId: number; rows: typeof rows }>();
	for (const r of rows) {
		const key = `${r.groupId}/${r.areaId}`;
		const c = cells.get(key) ?? { groupId: r.groupId, areaId: r.areaId, rows: [] };
		c.rows.push(r);
		cells.set(key, c);
	}
	const out: PortalArea[] = [];
	for (const c of cells.values()) {
		const valued = c.rows.filter((r) => r.value !== DONT_KNOW_VALUE);
		const nValid = valued.reduce((t, r) => t + r.n, 0);
		const w = valued.reduce((t, r) => t + r.sumW, 0);
		const suppressed = nValid < MIN_AREA_CELL;
		const a = c.areaId === NO_AREA ? null : areaById.get(c.areaId);
		const g = groupById.get(c.groupId);
		out.push({
			group: g?.code ?? `#${c.groupId}`,
			groupLabel: g?.label ?? `#${c.groupId}`,
			area: a?.code ?? null,
			areaName: a?.name ?? null,
			nValid,
			nDontKnow: c.rows.filter((r) => r.value === DONT_KNOW_VALUE).reduce((t, r) => t + r.n, 0),
			mean: suppressed || !(w > 0) ? null : valued.reduce((t, r) => t + r.sumW * r.value, 0) / w,
			rate:
				suppressed || !(w > 0)
					? null
					: valued.filter((r) => r.value >= satisfiedThreshold).reduce((t, r) => t + r.sumW, 0) / w,
			suppressed
		});
	}
	const order = new Map(groups.map((g, i) => [g.code, g.sort * 1000 + i]));
	return out.sort(
		(x, y) =>
			(order.get(x.group) ?? 0) - (order.get(y.group) ?? 0) ||
			(x.area ?? '\uffff').localeCompare(y.area ?? '\uffff')
	);
}

/** Groups and areas where the unit scored lowest (areas only when large enough to show). */
export function lowItemsOf(
	groups: PortalGroup[],
	areas: PortalArea[],
	limit = LOW_ITEMS
): LowItem[] {
	const items: LowItem[] = [];
	for (const g of groups) {
		if (g.score === null || g.nValid === 0) continue;
		items.push({
			ref: `group:${g.group}`,
			kind: 'group',
			label: g.label,
			groupLabel: g.label,
			score: g.score,
			n: g.nValid,
			peerMean: g.peerMean
		});
	}
	for (const a of areas) {
		if (a.mean === null || !a.area) continue;
		items.push({
			ref: `area:${a.area}`,
			kind: 'area',
			label: a.areaName ?? a.area,
			groupLabel: a.groupLabel,
			score: a.mean,
			n: a.nValid,
			peerMean: null
		});
	}
	// Lowest first; against peers where known (a group far below the category counts as low).
	const gap = (i: LowItem) => i.score - (i.peerMean ?? i.score);
	return items
		.sort((a, b) => a.score - b.score || gap(a) - gap(b) || a.ref.localeCompare(b.ref))
		.slice(0, limit);
}

export async function unitPortal(
	db: DbOrTx,
	unitCode: string,
	options: { cycleId?: number | null; now?: Date } = {}
): Promise<PortalData> {
	const now = options.now ?? new Date();
	const { cycle: c, cycles } = await portalCycle(db, unitCode, options.cycleId);
	const [u] = await db.select().from(unit).where(eq(unit.id, c.unitId));
	const [cy] = await db.select().from(cycle).where(eq(cycle.id, c.id));
	const snap = await portalSnapshot(db, c.id);
	const groupRows = await db.select().from(group).where(eq(group.cycleId, c.id));
	const groupLabel = new Map(groupRows.map((g) => [g.code, g.label]));

	let published: PortalData['published'] = null;
	let areas: PortalArea[] = [];
	let categoryName = '';
	if (snap) {
		const body = snap.results;
		const item = body.items.find((i) => i.unit === unitCode) ?? null;
		const peers = item ? body.items.filter((i) => i.category === item.category) : [];
		const labels = new Map(body.parameters.groups.map((g) => [g.code, g.label]));
		const groups: PortalGroup[] = (item?.groups ?? []).map((g) => ({
			group: g.group,
			label: labels.get(g.group) ?? groupLabel.get(g.group) ?? g.group,
			score: g.score,
			rate: g.rate,
			ci: g.ci,
			nValid: g.nValid,
			nEff: g.nEff,
			weight: g.weight,
			used: g.used,
			peerMean: mean(
				peers
					.map((p) => p.groups.find((x) => x.group === g.group)?.score)
					.filter((s): s is number => typeof s === 'number')
			)
		}));
		categoryName = item?.categoryName ?? '';
		published = {
			snapshotId: snap.id,
			publishedAt: snap.publishedAt?.toISOString() ?? null,
			exclusions: snap.exclusions,
			item,
			category: item ? (body.categories.find((k) => k.category === item.category) ?? null) : null,
			groups
		};
		areas = await areaBreakdown(
			db,
			c.id,
			u.id,
			countyToday(snap.computedAt),
			cy.config.satisfiedThreshold
		);
	}

	// Last cycle: the one this cycle was copied from if it has the unit, else the next older one.
	const older = cycles.filter(
		(x) => x.id !== c.id && (x.year < c.year || (x.year === c.year && x.id < c.id))
	);
	const prev = older.find((x) => x.id === cy.copiedFromId) ?? older[0] ?? null;
	let lastCycle: PortalData['lastCycle'] = null;
	if (prev) {
		const ps = await portalSnapshot(db, prev.id);
		const pi = ps?.results.items.find((i) => i.unit === unitCode) ?? null;
		lastCycle = {
			cycle: { id: prev.id, name: prev.name, year: prev.year, status: prev.status },
			score: pi?.score ?? null,
			rank: pi?.rank ?? null,
			rankOf: pi?.rankOf ?? null,
			points: pi?.points ?? null,
			published: !!ps
		};
	}

	const types = await listProblemTypes(db, c.id);
	return {
		unit: { code: u.code, name: u.name, categoryName },
		cycle: { id: c.id, name: c.name, year: c.year, status: c.status },
		cycles: cycles.map((x) => ({ id: x.id, name: x.name, year: x.year, status: x.status })),
		published,
		areas,
		lowItems: published ? lowItemsOf(published.groups, areas) : [],
		lastCycle,
		comments: await unitComments(db, c.id, u.id),
		rectifications: await listRectifications(db, { cycleId: c.id, unitCode }, now),
		appeals: await listAppeals(db, c.id, unitCode),
		appealWindow: await appealWindow(db, c.id, now),
		problemTypes: types.map((t) => ({ code: t.code, name: t.name }))
	};
}
