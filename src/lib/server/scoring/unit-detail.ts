import { builtInScales } from '$lib/scoring';
import type { CategoryItem, ScoreItem } from '$lib/schemas/scores';
import type { DbOrTx } from '../db/client';
import { getCycle } from '../cycles/cycles';
import { NotFoundError } from '../errors';
import {
	COUNTED_STATUSES,
	dailyValueCounts,
	exclusionReasons,
	STATUS_QUARANTINED
} from './aggregate';
import { cellsForMode, liveCells, scoreStatusCells } from './compute';
import { latestPublished } from './snapshots';

export interface AreaBreakdown {
	area: string | null;
	areaName: string | null;
	group: string;
	nValid: number;
	nDontKnow: number;
	/** Mean of the answers from the area, with their own weights only (no post-stratification). */
	mean: number | null;
	rate: number | null;
}

export interface LevelCount {
	group: string;
	/** 0–100, or null for 不了解. */
	value: number | null;
	n: number;
}

export interface DayPoint {
	day: string;
	nValid: number;
	nDontKnow: number;
	mean: number | null;
	rate: number | null;
}

export interface ReasonCount {
	status: 'quarantined' | 'excluded';
	reason: string;
	n: number;
}

export interface UnitDetail {
	unit: { code: string; name: string; category: string; categoryName: string; area: string | null };
	computedAt: string;
	/** Live scores with exclusions applied and without. */
	applied: ScoreItem;
	none: ScoreItem;
	category: { applied: CategoryItem | null; none: CategoryItem | null };
	groupLabels: Record<string, string>;
	/** Level value → labels of the cycle's scales (a value can mean different levels in two scales). */
	valueLabels: Record<string, string[]>;
	areas: AreaBreakdown[];
	levels: LevelCount[];
	trend: DayPoint[];
	exclusions: ReasonCount[];
	published: { snapshotId: number; publishedAt: string | null; item: ScoreItem | null } | null;
	lastCycle: { cycleId: number; name: string; year: number; item: ScoreItem | null } | null;
}

function meanOf(parts: { value: number; sumW: number }[], threshold: number) {
	const w = parts.reduce((t, p) => t + p.sumW, 0);
	if (!(w > 0)) return { mean: null, rate: null };
	return {
		mean: parts.reduce((t, p) => t + p.sumW * p.value, 0) / w,
		rate: parts.filter((p) => p.value >= threshold).reduce((t, p) => t + p.sumW, 0) / w
	};
}

/**
 * Everything the per-unit results page shows, from one read of the roll-ups (both exclusion
 * modes are scored from the same cells), the unit's daily roll-ups and its left-out answers.
 */
export async function unitDetail(
	db: DbOrTx,
	cycleId: number,
	unitCode: string,
	locale: 'zh-CN' | 'en' = 'zh-CN'
): Promise<UnitDetail> {
	const data = await liveCells(db, cycleId);
	const { setup } = data;
	const u = setup.units.find((x) => x.code === unitCode);
	if (!u) throw new NotFoundError('unit_not_found');
	const computedAt = new Date();
	const applied = scoreStatusCells(data, 'applied', 'rollups', computedAt);
	const none = scoreStatusCells(data, 'none', 'rollups', computedAt);
	const pick = (items: ScoreItem[]) => items.find((i) => i.unit === unitCode) as ScoreItem;
	const threshold = setup.cycle.config.satisfiedThreshold;

	const { cells } = cellsForMode(
		setup,
		data.cells.filter((c) => c.unitId === u.id),
		'applied'
	);
	const areaName = new Map(setup.areas.map((a) => [a.code, a.name]));
	const byArea = new Map<string, { area: string | null; group: string; cells: typeof cells }>();
	for (const c of cells) {
		const key = JSON.stringify([c.group, c.area]);
		const e = byArea.get(key) ?? { area: c.area, group: c.group, cells: [] };
		e.cells.push(c);
		byArea.set(key, e);
	}
	const areas: AreaBreakdown[] = [...byArea.values()]
		.map((e) => {
			const valued = e.cells
				.filter((c) => c.value !== null)
				.map((c) => ({ value: c.value as number, sumW: c.sumW ?? c.n }));
			return {
				area: e.area,
				areaName: e.area ? (areaName.get(e.area) ?? null) : null,
				group: e.group,
				nValid: e.cells.filter((c) => c.value !== null).reduce((t, c) => t + c.n, 0),
				nDontKnow: e.cells.filter((c) => c.value === null).reduce((t, c) => t + c.n, 0),
				...meanOf(valued, threshold)
			};
		})
		.sort(
			(a, b) =>
				a.group.localeCompare(b.group) || (a.area ?? '\uffff').localeCompare(b.area ?? '\uffff')
		);

	const levelMap = new Map<string, LevelCount>();
	for (const c of cells) {
		const key = JSON.stringify([c.group, c.value]);
		const e = levelMap.get(key) ?? { group: c.group, value: c.value, n: 0 };
		e.n += c.n;
		levelMap.set(key, e);
	}
	const levels = [...levelMap.values()].sort(
		(a, b) => a.group.localeCompare(b.group) || (b.value ?? -1) - (a.value ?? -1)
	);

	const days = new Map<
		string,
		{ valued: { value: number; sumW: number }[]; n: number; dk: number }
	>();
	for (const r of await dailyValueCounts(db, cycleId, u.id, COUNTED_STATUSES)) {
		const d = days.get(r.day) ?? { valued: [], n: 0, dk: 0 };
		if (r.value === null) d.dk += r.n;
		else {
			d.n += r.n;
			d.valued.push({ value: r.value, sumW: r.sumW });
		}
		days.set(r.day, d);
	}
	const trend: DayPoint[] = [...days.entries()]
		.sort(([a], [b]) => a.localeCompare(b))
		.map(([day, d]) => ({ day, nValid: d.n, nDontKnow: d.dk, ...meanOf(d.valued, threshold) }));

	const exclusions: ReasonCount[] = (await exclusionReasons(db, cycleId, u.id)).map((r) => ({
		status: r.status === STATUS_QUARANTINED ? 'quarantined' : 'excluded',
		reason: r.reason,
		n: r.n
	}));

	const valueLabels: Record<string, string[]> = {};
	const lang = locale === 'en' ? 'en' : 'zh';
	for (const s of setup.surveys) {
		const levelsOf =
			typeof s.scale === 'string'
				? builtInScales[s.scale].levels.map((l) => ({ value: l.value, label: l.label[lang] }))
				: s.scale.levels.map((l) => ({ value: l.value, label: l.label }));
		for (const l of levelsOf) {
			const list = (valueLabels[String(l.value)] ??= []);
			if (!list.includes(l.label)) list.push(l.label);
		}
	}

	const pub = await latestPublished(db, cycleId, 'applied');
	let lastCycle: UnitDetail['lastCycle'] = null;
	if (setup.cycle.copiedFromId) {
		const prev = await getCycle(db, setup.cycle.copiedFromId).catch(() => null);
		if (prev) {
			const snap = await latestPublished(db, prev.id, 'applied');
			lastCycle = {
				cycleId: prev.id,
				name: prev.name,
				year: prev.year,
				item: snap?.results.items.find((i) => i.unit === unitCode) ?? null
			};
		}
	}

	return {
		unit: {
			code: u.code,
			name: u.name,
			category: u.category,
			categoryName: u.categoryName,
			area: u.area
		},
		computedAt: computedAt.toISOString(),
		applied: pick(applied.items),
		none: pick(none.items),
		category: {
			applied: applied.categories.find((k) => k.category === u.category) ?? null,
			none: none.categories.find((k) => k.category === u.category) ?? null
		},
		groupLabels: Object.fromEntries(setup.groups.map((g) => [g.code, g.label])),
		valueLabels,
		areas,
		levels,
		trend,
		exclusions,
		published: pub
			? {
					snapshotId: pub.id,
					publishedAt: pub.publishedAt?.toISOString() ?? null,
					item: pub.results.items.find((i) => i.unit === unitCode) ?? null
				}
			: null,
		lastCycle
	};
}
