import { eq, sql } from 'drizzle-orm';
import type { DbOrTx } from '../db/client';
import { unit } from '../db/schema';
import { rowsOf } from '../db/rows';
import type { SurveyView } from '../surveys/survey-view';
import type { RuleSet } from '$lib/schemas/rule-set';
import type { Peer, SurveyFacts } from './checks';
import { normaliseText } from './checks/text';

/**
 * What the checks need beyond the submission itself, loaded before the submit transaction and kept
 * cheap: per-survey facts and running medians are cached in-process for a short time, and the
 * earlier submissions sharing a key come from one indexed statement.
 */

/** Caches are per database handle, so test databases in one process never see each other's data. */
function cacheFor<V>(store: WeakMap<object, Map<string, V>>, db: object): Map<string, V> {
	let m = store.get(db);
	if (!m) store.set(db, (m = new Map()));
	return m;
}

const unitAreaCache = new WeakMap<
	object,
	Map<string, { at: number; areas: Map<number, number> }>
>();
const UNIT_AREA_TTL_MS = 60_000;

async function unitAreas(db: DbOrTx, cycleId: number): Promise<Map<number, number>> {
	const m = cacheFor(unitAreaCache, db);
	const hit = m.get(String(cycleId));
	if (hit && Date.now() - hit.at < UNIT_AREA_TTL_MS) return hit.areas;
	const rows = await db
		.select({ id: unit.id, areaId: unit.areaId })
		.from(unit)
		.where(eq(unit.cycleId, cycleId));
	const areas = new Map<number, number>();
	for (const r of rows) if (r.areaId !== null) areas.set(r.id, r.areaId);
	m.set(String(cycleId), { at: Date.now(), areas });
	return areas;
}

/** The survey facts from a loaded survey view and the units' areas (pure once loaded). */
export function surveyFactsOf(view: SurveyView, unitArea: Map<number, number>): SurveyFacts {
	const values = view.levels.map((l) => l.value);
	const top = values.indexOf(Math.max(...values)) + 1;
	const bottom = values.indexOf(Math.min(...values)) + 1;
	const areaIdByCode = view.areaByCode;
	const parentOf = new Map(view.areas.map((a) => [a.code, a.parentCode]));
	const unitIndexByArea = new Map<number, number[]>();
	view.units.forEach((u, i) => {
		const a = unitArea.get(u.id);
		if (a === undefined) return;
		unitIndexByArea.set(a, [...(unitIndexByArea.get(a) ?? []), i]);
	});
	const ownUnits = new Map<string, number[]>();
	for (const a of view.areas) {
		const found: number[] = [];
		let code: string | null = a.code;
		for (let depth = 0; code && depth < 10; depth++) {
			const id = areaIdByCode.get(code);
			if (id !== undefined) found.push(...(unitIndexByArea.get(id) ?? []));
			code = parentOf.get(code) ?? null;
		}
		if (found.length) ownUnits.set(a.code, [...new Set(found)]);
	}
	const texts = [
		view.survey.title,
		...view.questions.flatMap((q) => [q.text, ...(q.options ?? []).map((o) => o.label)]),
		...view.units.map((u) => u.name)
	];
	return {
		ratingItems: view.units.length,
		topLevel: top,
		bottomLevel: bottom,
		levelCount: view.levels.length,
		instructed: view.questions
			.filter((q) => q.type === 'instructed' && q.expected)
			.map((q) => ({ id: q.id, expected: q.expected as string })),
		copyTexts: [...new Set(texts.map(normaliseText).filter((t) => t.length > 0))],
		ownUnits
	};
}

const factsCache = new WeakMap<SurveyView, { areas: Map<number, number>; facts: SurveyFacts }>();

export async function loadSurveyFacts(db: DbOrTx, view: SurveyView): Promise<SurveyFacts> {
	const areas = await unitAreas(db, view.cycleId);
	const hit = factsCache.get(view);
	if (hit && hit.areas === areas) return hit.facts;
	const facts = surveyFactsOf(view, areas);
	factsCache.set(view, { areas, facts });
	return facts;
}

export interface RunningStats {
	speedMedianMs: number | null;
	/** Median proof-of-work time per user-agent class (only classes with enough samples). */
	powMedianMs: Map<string, number>;
}

export function median(values: number[]): number | null {
	if (!values.length) return null;
	const s = [...values].sort((a, b) => a - b);
	const mid = s.length >> 1;
	return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}

/** Medians from (duration, pow time, browser class) samples, each only with enough samples. */
export function statsOf(
	samples: { durationMs: number | null; powMs: number | null; uaClass: string | null }[],
	rules: RuleSet
): RunningStats {
	const durations = samples.flatMap((s) => (s.durationMs === null ? [] : [s.durationMs]));
	const byClass = new Map<string, number[]>();
	for (const s of samples) {
		if (s.powMs === null || !s.uaClass) continue;
		const list = byClass.get(s.uaClass) ?? [];
		list.push(s.powMs);
		byClass.set(s.uaClass, list);
	}
	const powMedianMs = new Map<string, number>();
	for (const [c, list] of byClass) {
		if (list.length >= rules.pow.minSamples) powMedianMs.set(c, median(list) as number);
	}
	return {
		speedMedianMs: durations.length >= rules.speed.minSamples ? median(durations) : null,
		powMedianMs
	};
}

const statsCache = new WeakMap<
	object,
	Map<string, { at: number; asOf: number; stats: RunningStats }>
>();
const STATS_TTL_MS = 30_000;
/** Imports and the simulator run on their own clock: a cached median is reused within this. */
const STATS_CLOCK_SLACK_MS = 15 * 60_000;

/**
 * The running medians of the survey as of `now`: over its latest live answers that count (accepted
 * or flagged), cached for half a minute. One indexed statement reading at most `medianWindow` rows.
 */
export async function runningStats(
	db: DbOrTx,
	surveyId: number,
	now: Date,
	rules: RuleSet
): Promise<RunningStats> {
	const m = cacheFor(statsCache, db);
	const key = `${surveyId}:${rules.speed.medianWindow}:${rules.speed.minSamples}:${rules.pow.minSamples}`;
	const hit = m.get(key);
	const t = now.getTime();
	if (hit && Date.now() - hit.at < STATS_TTL_MS && Math.abs(hit.asOf - t) < STATS_CLOCK_SLACK_MS) {
		return hit.stats;
	}
	const rows = rowsOf<{ d: number | null; p: number | null; ua: string | null }>(
		await db.execute(sql`
			select duration_ms as d, pow_ms as p, ua_class as ua from submissions
			where survey_id = ${surveyId} and source = 'live' and status in ('accepted', 'flagged')
				and received_at <= ${now}
			order by received_at desc limit ${rules.speed.medianWindow}`)
	);
	const stats = statsOf(
		rows.map((r) => ({
			durationMs: r.d === null ? null : Number(r.d),
			powMs: r.p === null ? null : Number(r.p),
			uaClass: r.ua
		})),
		rules
	);
	m.set(key, { at: Date.now(), asOf: t, stats });
	return stats;
}

/** Forget cached medians (after a recheck changed statuses, and in tests). */
export function forgetRunningStats(db: object): void {
	statsCache.delete(db);
}

export interface PeerKeys {
	deviceHash: string | null;
	phoneHash: string | null;
	/** Only when the network type is narrow enough for the prefix rule. */
	prefixHash: string | null;
}

export interface Peers {
	device: Peer[];
	phone: Peer[];
	prefix: Peer[];
}

const MAX_IDENTITY_PEERS = 20;
const MAX_PREFIX_PEERS = 300;

/**
 * Earlier submissions of the survey sharing the device cookie, the phone or (within the prefix
 * window) the network prefix: one statement over the partial indexes of migration 0003.
 */
export async function loadPeers(
	db: DbOrTx,
	surveyId: number,
	keys: PeerKeys,
	now: Date,
	rules: RuleSet
): Promise<Peers> {
	const parts = [];
	if (keys.deviceHash) {
		parts.push(sql`(select 'd' as k, pattern, received_at, area_code from submissions
			where survey_id = ${surveyId} and device_hash = ${keys.deviceHash} and received_at <= ${now}
			order by received_at desc limit ${MAX_IDENTITY_PEERS})`);
	}
	if (keys.phoneHash) {
		parts.push(sql`(select 'p' as k, pattern, received_at, area_code from submissions
			where survey_id = ${surveyId} and phone_hash = ${keys.phoneHash} and received_at <= ${now}
			order by received_at desc limit ${MAX_IDENTITY_PEERS})`);
	}
	if (keys.prefixHash) {
		const since = new Date(now.getTime() - rules.prefix.windowHours * 3_600_000);
		parts.push(sql`(select 'n' as k, pattern, received_at, area_code from submissions
			where survey_id = ${surveyId} and ip_prefix_hash = ${keys.prefixHash}
				and received_at > ${since} and received_at <= ${now}
			order by received_at desc limit ${MAX_PREFIX_PEERS})`);
	}
	const out: Peers = { device: [], phone: [], prefix: [] };
	if (!parts.length) return out;
	const rows = rowsOf<{
		k: string;
		pattern: string | null;
		received_at: Date | string;
		area_code: string | null;
	}>(await db.execute(sql.join(parts, sql` union all `)));
	for (const r of rows) {
		const peer: Peer = {
			pattern: r.pattern ?? '',
			receivedAt: new Date(r.received_at).getTime(),
			areaCode: r.area_code
		};
		(r.k === 'd' ? out.device : r.k === 'p' ? out.phone : out.prefix).push(peer);
	}
	return out;
}
