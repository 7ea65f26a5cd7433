import { sql } from 'drizzle-orm';
import type { Db, DbOrTx } from '../../db/client';
import { codeArray, rowsOf } from '../../db/rows';
import { loadSurveyView, type SurveyView } from '../../surveys/survey-view';
import { markRollupsStale } from '../../scoring/aggregate';
import type { SubmissionStatus } from '../../responses/submit-response';
import type { RuleSet } from '$lib/schemas/rule-set';
import { detectorReasonCodes } from '$lib/schemas/rule-set';
import { isDetectorCode, sortCodes, verdict } from '../checks';
import { textsOf } from '../decide';
import { runningStats } from '../context';
import { ruleSetFor } from '../rules';
import { refreshUnitWeights, writeDecisionChanges, type DecisionChange } from '../apply';
import {
	detect,
	emptyHistory,
	templateCandidates,
	type DetectedAlert,
	type DetectOutput,
	type DetectorRow,
	type HistoryTotals,
	type KnownTemplate,
	COPY_AFTER_MS
} from './detect';

export { detect, type DetectorRow, type DetectOutput } from './detect';

/** A submission as the detectors and the retrospective pass read it back. */
export interface StoredRow extends DetectorRow {
	status: SubmissionStatus;
	reasons: string[];
	risk: number;
	weight: number;
}

interface RawRow {
	id: number | string;
	received_at: Date | string;
	pattern: string | null;
	area_code: string | null;
	status: SubmissionStatus;
	reasons: string[] | string | null;
	risk: number | string;
	weight: number | string;
	duration_ms: number | string | null;
	ip_prefix_hash: string | null;
	network_type: string | null;
	answers: Record<string, string | string[]> | string | null;
	texts: string[] | string | null;
	identity_tier?: string | null;
}

/** `text[]` comes back as an array (postgres.js) or, in rare cases, as its literal. */
export function textArray(v: string[] | string | null): string[] {
	if (!v) return [];
	if (Array.isArray(v)) return v;
	if (v === '{}') return [];
	return v
		.replace(/^\{|\}$/g, '')
		.split(',')
		.map((x) => x.replace(/^"|"$/g, ''));
}

/** Counted by the per-submission checks alone: detector codes must not feed back into themselves. */
export function countedByChecks(reasons: readonly string[], rules: RuleSet): boolean {
	const own = reasons.filter((c) => !isDetectorCode(c));
	const v = verdict(own, rules);
	return v.action === 'accepted' || v.action === 'flagged';
}

/** A stored `answers` column as the drivers return it (PGlite: text, postgres.js: parsed). */
export function answersOf(
	value: string | Record<string, string | string[]> | null
): Record<string, string | string[]> {
	return typeof value === 'string'
		? (JSON.parse(value) as Record<string, string | string[]>)
		: (value ?? {});
}

export function toStoredRow(r: RawRow, view: SurveyView, rules: RuleSet): StoredRow {
	const reasons = textArray(r.reasons);
	const answers = answersOf(r.answers);
	return {
		id: Number(r.id),
		receivedAt: new Date(r.received_at).getTime(),
		pattern: r.pattern ?? '',
		areaCode: r.area_code,
		counted: countedByChecks(reasons, rules),
		excluded: reasons.includes('review.excluded'),
		durationMs: r.duration_ms === null ? null : Number(r.duration_ms),
		prefixHash: r.ip_prefix_hash,
		networkType: r.network_type,
		texts: textsOf(view, answers, textArray(r.texts)),
		tier: r.identity_tier ?? null,
		status: r.status,
		reasons,
		risk: Number(r.risk),
		weight: Number(r.weight)
	};
}

/** The survey's submissions (from a time on), oldest first, with their comment texts. */
export async function loadStoredRows(
	db: DbOrTx,
	view: SurveyView,
	rules: RuleSet,
	from?: Date
): Promise<StoredRow[]> {
	const since = from ? sql`and s.received_at >= ${from.toISOString()}::timestamptz` : sql``;
	const rows = rowsOf<RawRow>(
		await db.execute(sql`
			select s.id, s.received_at, s.pattern, s.area_code, s.status, s.reasons, s.risk, s.weight,
				s.duration_ms, s.ip_prefix_hash, s.network_type, s.answers, s.identity_tier,
				(select coalesce(array_agg(c.body), '{}') from comments c where c.submission_id = s.id) as texts
			from submissions s
			where s.survey_id = ${view.survey.id} ${since}
			order by s.received_at, s.id`)
	);
	return rows.map((r) => toStoredRow(r, view, rules));
}

const detectorList = sql.raw(
	`array[${detectorReasonCodes
		.filter((c) => c !== 'burst.member')
		.map((c) => `'${c}'`)
		.join(',')}]::text[]`
);

/**
 * Counted answers before `edge`, per unit and per (unit, area): the baseline of the scheduler's
 * burst test without reloading the whole survey. One grouped scan, cached per 6-hour edge.
 */
async function loadHistory(
	db: DbOrTx,
	surveyId: number,
	units: number,
	topLevel: number,
	bottomLevel: number,
	edge: Date,
	from?: Date,
	into?: HistoryTotals
): Promise<HistoryTotals> {
	const h = into ?? emptyHistory(units);
	const range = from
		? sql`and s.received_at >= ${from.toISOString()}::timestamptz and s.received_at < ${edge.toISOString()}::timestamptz`
		: sql`and s.received_at < ${edge.toISOString()}::timestamptz`;
	const counted = sql`(s.status in ('accepted', 'flagged') or (s.status = 'quarantined' and s.reasons && ${detectorList}))`;
	const totals = rowsOf<{ n: number | string; all: number | string }>(
		await db.execute(sql`
			select count(*) filter (where ${counted}) as n, count(*) filter (where s.status <> 'excluded') as all
			from submissions s
			where s.survey_id = ${surveyId} ${range}`)
	);
	const n = Number(totals[0]?.n ?? 0);
	h.n += n;
	h.all += Number(totals[0]?.all ?? 0);
	if (!n) return h;
	const rows = rowsOf<{
		area: string | null;
		i: number | string;
		l: number | string;
		n: number | string;
	}>(
		await db.execute(sql`
			select s.area_code as area, g.i, substr(s.pattern, g.i, 1)::int as l, count(*) as n
			from submissions s cross join generate_series(1, ${units}::int) as g(i)
			where s.survey_id = ${surveyId} ${range}
				and ${counted} and substr(s.pattern, g.i, 1) between '1' and '9'
			group by 1, 2, 3`)
	);
	for (const r of rows) {
		const i = Number(r.i) - 1;
		const l = Number(r.l);
		const n = Number(r.n);
		const a = r.area ?? '\u0000';
		let ac = h.byArea.get(a);
		if (!ac) {
			ac = {
				known: new Float64Array(units),
				top: new Float64Array(units),
				bottom: new Float64Array(units)
			};
			h.byArea.set(a, ac);
		}
		h.units.known[i] += n;
		ac.known[i] += n;
		if (l === topLevel) {
			h.units.top[i] += n;
			ac.top[i] += n;
		}
		if (l === bottomLevel) {
			h.units.bottom[i] += n;
			ac.bottom[i] += n;
		}
	}
	return h;
}

async function historyPatternCounts(
	db: DbOrTx,
	surveyId: number,
	edge: Date,
	patterns: string[]
): Promise<Map<string, number>> {
	const wanted = patterns.filter((p) => /^[0-9]+$/.test(p));
	const out = new Map<string, number>();
	if (!wanted.length) return out;
	const rows = rowsOf<{ pattern: string; n: number | string }>(
		await db.execute(sql`
			select pattern, count(*) as n from submissions
			where survey_id = ${surveyId} and received_at < ${edge.toISOString()}::timestamptz
				and status <> 'excluded' and pattern = any(${codeArray(wanted)}::text[])
			group by pattern`)
	);
	for (const r of rows) out.set(r.pattern, Number(r.n));
	return out;
}

const historyCache = new WeakMap<
	object,
	Map<string, { edge: number; h: HistoryTotals; builtAt: number }>
>();
/** The cached baseline is extended as the edge moves, and rebuilt this often (statuses change). */
const HISTORY_REBUILD_MS = 30 * 60_000;

/** Rows older than this (from now) are history; the scheduler re-evaluates the last few hours. */
export const LOOKBACK_MS = 6 * 3_600_000;
const HISTORY_STEP_MS = 6 * 3_600_000;

export interface DetectorContext {
	view: SurveyView;
	rules: RuleSet;
	topLevel: number;
	bottomLevel: number;
	/** Score value per level index (index 0, don't know, has none). */
	levelValues: number[];
}

export function detectorContext(view: SurveyView, rules: RuleSet): DetectorContext {
	const values = view.levels.map((l) => l.value);
	return {
		view,
		rules,
		levelValues: [Number.NaN, ...values],
		topLevel: values.indexOf(Math.max(...values)) + 1,
		bottomLevel: values.indexOf(Math.min(...values)) + 1
	};
}

function cloneHistory(h: HistoryTotals): HistoryTotals {
	const copy = (c: { known: Float64Array; top: Float64Array; bottom: Float64Array }) => ({
		known: Float64Array.from(c.known),
		top: Float64Array.from(c.top),
		bottom: Float64Array.from(c.bottom)
	});
	return {
		n: h.n,
		all: h.all,
		units: copy(h.units),
		byArea: new Map([...h.byArea].map(([a, c]) => [a, copy(c)])),
		patterns: new Map(h.patterns)
	};
}

/** Replaces the alerts of the re-evaluated range with the new ones. */
export async function persistAlerts(
	db: DbOrTx,
	view: SurveyView,
	out: DetectOutput,
	templateFrom: number
): Promise<void> {
	const burstFrom = Number.isFinite(out.evaluatedFrom)
		? new Date(out.evaluatedFrom).toISOString()
		: null;
	const tFrom = Number.isFinite(templateFrom) ? new Date(templateFrom).toISOString() : null;
	await db.execute(sql`
		delete from alerts where survey_id = ${view.survey.id} and (
			(detector = 'burst' and (${burstFrom}::timestamptz is null or window_start >= ${burstFrom}::timestamptz))
			or (detector = 'template' and (${tFrom}::timestamptz is null or window_start >= ${tFrom}::timestamptz)))`);
	if (!out.alerts.length) return;
	const rows = out.alerts.map((a: DetectedAlert) => ({
		unit_id: a.unitIndex === null ? null : (view.units[a.unitIndex]?.id ?? null),
		detector: a.detector,
		window_start: new Date(a.windowStart).toISOString(),
		window_end: new Date(a.windowEnd).toISOString(),
		observed: a.observed,
		expected: a.expected,
		evidence: a.evidence
	}));
	for (let i = 0; i < rows.length; i += 1000) {
		await db.execute(sql`
			insert into alerts (survey_id, unit_id, detector, window_start, window_end, observed, expected, evidence)
			select ${view.survey.id}::int, x.unit_id, x.detector, x.window_start, x.window_end, x.observed,
				x.expected, x.evidence
			from jsonb_to_recordset(${JSON.stringify(rows.slice(i, i + 1000))}::jsonb) as x(
				unit_id int, detector text, window_start timestamptz, window_end timestamptz,
				observed real, expected real, evidence jsonb)
			on conflict (survey_id, unit_id, detector, window_start) do update set
				window_end = excluded.window_end, observed = excluded.observed,
				expected = excluded.expected, evidence = excluded.evidence`);
	}
}

/** Per-unit weights of a row keyed by unit id, and their smallest value (the row's weight). */
export function unitWeightsOf(
	out: DetectOutput,
	id: number,
	view: SurveyView
): { unitWeights: Record<number, number>; weight: number } {
	const unitWeights: Record<number, number> = {};
	let weight = 1;
	for (const [i, w] of out.weights.get(id) ?? []) {
		const unitId = view.units[i]?.id;
		if (unitId === undefined) continue;
		const rounded = Math.round(w * 1e6) / 1e6;
		unitWeights[unitId] = rounded;
		weight = Math.min(weight, rounded);
	}
	return { unitWeights, weight };
}

export interface DetectorWrites {
	changes: DecisionChange[];
	/** Window members whose decision stands but whose answers' weights are set again. */
	refresh: { id: number; unitWeights: Record<number, number> }[];
}

/** New reasons, status and weights of stored rows from fresh detector findings. */
export function detectorChanges(
	rows: readonly StoredRow[],
	out: DetectOutput,
	rules: RuleSet,
	applyFrom: number,
	view: SurveyView
): DetectorWrites {
	const changes: DecisionChange[] = [];
	const refresh: DetectorWrites['refresh'] = [];
	for (const r of rows) {
		if (r.receivedAt < applyFrom) continue;
		const found = out.codes.get(r.id);
		const reasons = sortCodes([...r.reasons.filter((c) => !isDetectorCode(c)), ...(found ?? [])]);
		const v = verdict(reasons, rules);
		const { unitWeights, weight } = unitWeightsOf(out, r.id, view);
		const same =
			v.action === r.status &&
			v.risk === r.risk &&
			Math.abs(weight - r.weight) < 1e-6 &&
			reasons.join(',') === r.reasons.join(',');
		if (!same) {
			changes.push({ id: r.id, status: v.action, risk: v.risk, weight, reasons, unitWeights });
		} else if (weight < 1) refresh.push({ id: r.id, unitWeights });
	}
	return { changes, refresh };
}

/** The high-coverage templates of burst alerts whose windows started after `since`. */
async function alertedTemplates(
	db: DbOrTx,
	surveyId: number,
	since: Date
): Promise<KnownTemplate[]> {
	const rows = rowsOf<{ window_start: Date | string; window_end: Date | string; v: string | null }>(
		await db.execute(sql`
			select window_start, window_end, jsonb_array_elements_text(evidence -> 'templateVectors') as v
			from alerts
			where survey_id = ${surveyId} and detector = 'burst' and window_start >= ${since.toISOString()}::timestamptz
				and jsonb_typeof(evidence -> 'templateVectors') = 'array'`)
	);
	return rows
		.filter((r) => typeof r.v === 'string' && /^[0-9]+$/.test(r.v))
		.map((r) => ({
			pattern: r.v as string,
			from: new Date(r.window_start).getTime(),
			to: new Date(r.window_end).getTime()
		}));
}

/** Arbitrary first key of the advisory locks that keep one survey's fraud passes apart. */
export const FRAUD_LOCK = 73_006;

export interface DetectorRun {
	alerts: number;
	changed: number;
	skipped?: boolean;
}

/**
 * The scheduler's pass over one survey: re-evaluates the windows of the last hours (the baseline
 * of earlier answers comes from one cached grouped scan), stores the alerts and applies weights and
 * codes to the recent answers. Runs under a transaction-level advisory lock: when another process
 * (or the retrospective pass) holds it, this pass is skipped.
 */
export async function runRecentDetectors(
	db: Db,
	slug: string,
	now = new Date(),
	options: { full?: boolean } = {}
): Promise<DetectorRun> {
	const view = await loadSurveyView(db, slug);
	const rules = await ruleSetFor(db, view.cycleId, view.survey.ruleSetVersion);
	const ctx = detectorContext(view, rules);
	const recentSpan = Math.max(
		LOOKBACK_MS + rules.burst.windowMinutes * 60_000,
		rules.textDuplicate.windowHours * 3_600_000,
		rules.template.windowMinutes * 60_000
	);
	// `full` (after an import): every window of the survey, no cached history.
	const edge = options.full
		? null
		: new Date(
				Math.floor((now.getTime() - recentSpan - LOOKBACK_MS) / HISTORY_STEP_MS) * HISTORY_STEP_MS
			);
	const applyFrom = options.full ? -Infinity : now.getTime() - LOOKBACK_MS;
	const result = await db.transaction(async (tx) => {
		const locked = rowsOf<{ ok: boolean }>(
			await tx.execute(
				sql`select pg_try_advisory_xact_lock(${FRAUD_LOCK}::int, ${view.survey.id}::int) as ok`
			)
		);
		if (!locked[0]?.ok) return { alerts: 0, changed: 0, skipped: true };
		const rows = await loadStoredRows(tx, view, rules, edge ?? undefined);
		if (!rows.length) return { alerts: 0, changed: 0 };
		let history: HistoryTotals = emptyHistory(view.units.length);
		if (edge) {
			let m = historyCache.get(db);
			if (!m) historyCache.set(db, (m = new Map()));
			const key = `${view.survey.id}:${view.survey.ruleSetVersion}`;
			let cached = m.get(key);
			const fresh = cached && Date.now() - cached.builtAt < HISTORY_REBUILD_MS;
			if (cached && fresh && cached.edge < edge.getTime()) {
				// Only the answers between the old and the new edge are added.
				const h = await loadHistory(
					tx,
					view.survey.id,
					view.units.length,
					ctx.topLevel,
					ctx.bottomLevel,
					edge,
					new Date(cached.edge),
					cloneHistory(cached.h)
				);
				cached = { edge: edge.getTime(), h, builtAt: cached.builtAt };
				m.set(key, cached);
			} else if (!cached || !fresh || cached.edge !== edge.getTime()) {
				const h = await loadHistory(
					tx,
					view.survey.id,
					view.units.length,
					ctx.topLevel,
					ctx.bottomLevel,
					edge
				);
				cached = { edge: edge.getTime(), h, builtAt: Date.now() };
				m.set(key, cached);
			}
			history = {
				...cached.h,
				patterns: await historyPatternCounts(
					tx,
					view.survey.id,
					edge,
					templateCandidates(rows, rules)
				)
			};
		}
		const stats = await runningStats(tx, view.survey.id, now, rules);
		const knownTemplates = Number.isFinite(applyFrom)
			? await alertedTemplates(tx, view.survey.id, new Date(applyFrom - COPY_AFTER_MS))
			: [];
		const out = detect({
			rules,
			units: view.units.length,
			topLevel: ctx.topLevel,
			bottomLevel: ctx.bottomLevel,
			speedMedianMs: stats.speedMedianMs,
			rows,
			history,
			applyFrom,
			knownTemplates,
			levelValues: ctx.levelValues
		});
		const templateMs = rules.template.windowMinutes * 60_000;
		await persistAlerts(tx, view, out, Math.floor(applyFrom / templateMs) * templateMs);
		const { changes, refresh } = detectorChanges(rows, out, rules, applyFrom, view);
		if (changes.length) {
			await writeDecisionChanges(tx, changes, {
				ruleSetVersion: view.survey.ruleSetVersion,
				source: 'recheck',
				actor: 'detectors',
				note: null
			});
		}
		await refreshUnitWeights(tx, refresh);
		if (changes.length || refresh.length) await markRollupsStale(tx, view.cycleId);
		return { alerts: out.alerts.length, changed: changes.length };
	});
	return result;
}

/** Window alerts of a survey for every unit, newest first. */
export async function countAlerts(db: DbOrTx, surveyId: number): Promise<number> {
	const r = rowsOf<{ n: number | string }>(
		await db.execute(sql`select count(*) as n from alerts where survey_id = ${surveyId}`)
	);
	return Number(r[0]?.n ?? 0);
}
