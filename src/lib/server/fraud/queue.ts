import { sql } from 'drizzle-orm';
import type { DbOrTx } from '../db/client';
import { rowsOf } from '../db/rows';
import type { SubmissionStatus } from '../responses/submit-response';
import type { SurveyView } from '../surveys/survey-view';
import { clusterFilter } from './review';
import { textArray } from './detectors';
import { runningStats } from './context';
import { ruleSetFor } from './rules';

/**
 * The review queues (quarantined, flagged) grouped by cluster and by reason, with the evidence a
 * reviewer needs: timings against the median, answer patterns, the network type and window charts.
 * Never an address or a hash, and never a unit's score (reviewers decide blind to results).
 */

export interface QueueMember {
	submissionId: string;
	receipt: string;
	receivedAt: string;
	group: string;
	area: string | null;
	channel: string | null;
	source: string;
	durationMs: number | null;
	/** Duration as a share of the survey's running median. */
	durationRatio: number | null;
	pattern: string;
	networkType: string | null;
	identityTier: string;
	status: SubmissionStatus;
	risk: number;
	weight: number;
	reasons: string[];
}

export interface AlertItem {
	id: number;
	unit: string | null;
	unitName: string | null;
	detector: string;
	windowStart: string;
	windowEnd: string;
	observed: number;
	expected: number;
	evidence: Record<string, unknown>;
}

export interface QueueGroup {
	/** Cluster key accepted by the bulk review endpoint. */
	key: string;
	kind: 'alert' | 'reason' | 'pattern';
	count: number;
	members: QueueMember[];
	alert?: AlertItem;
	/** Per 30 minutes around an alert's window: answers rating the unit, and what was expected. */
	chart?: { labels: string[]; observed: number[]; expected: number[] };
}

interface MemberRow {
	client_id: string;
	receipt: string;
	received_at: Date | string;
	group_code: string;
	area_code: string | null;
	channel: string | null;
	source: string;
	duration_ms: number | string | null;
	pattern: string | null;
	network_type: string | null;
	identity_tier: string;
	status: SubmissionStatus;
	risk: number | string;
	weight: number | string;
	reasons: string[] | string | null;
}

const memberColumns = sql`s.client_id, s.receipt, s.received_at, s.group_code, s.area_code, s.channel,
	s.source, s.duration_ms, s.pattern, s.network_type, s.identity_tier, s.status, s.risk, s.weight, s.reasons`;

function toMember(r: MemberRow, medianMs: number | null): QueueMember {
	const d = r.duration_ms === null ? null : Number(r.duration_ms);
	return {
		submissionId: r.client_id,
		receipt: r.receipt,
		receivedAt: new Date(r.received_at).toISOString(),
		group: r.group_code,
		area: r.area_code,
		channel: r.channel,
		source: r.source,
		durationMs: d,
		durationRatio: d !== null && medianMs ? Math.round((d / medianMs) * 100) / 100 : null,
		pattern: r.pattern ?? '',
		networkType: r.network_type,
		identityTier: r.identity_tier,
		status: r.status,
		risk: Number(r.risk),
		weight: Number(r.weight),
		reasons: textArray(r.reasons)
	};
}

export async function listAlerts(db: DbOrTx, view: SurveyView): Promise<AlertItem[]> {
	const rows = rowsOf<{
		id: number | string;
		unit_id: number | null;
		detector: string;
		window_start: Date | string;
		window_end: Date | string;
		observed: number | string;
		expected: number | string;
		evidence: Record<string, unknown> | string;
	}>(
		await db.execute(sql`
			select id, unit_id, detector, window_start, window_end, observed, expected, evidence
			from alerts where survey_id = ${view.survey.id}
			order by window_start desc, id desc limit 2000`)
	);
	const byId = new Map(view.units.map((u) => [u.id, u]));
	return rows.map((r) => {
		const u = r.unit_id === null ? undefined : byId.get(r.unit_id);
		return {
			id: Number(r.id),
			unit: u?.code ?? null,
			unitName: u?.name ?? null,
			detector: r.detector,
			windowStart: new Date(r.window_start).toISOString(),
			windowEnd: new Date(r.window_end).toISOString(),
			observed: Number(r.observed),
			expected: Math.round(Number(r.expected) * 100) / 100,
			evidence: typeof r.evidence === 'string' ? JSON.parse(r.evidence) : r.evidence
		};
	});
}

async function windowChart(db: DbOrTx, view: SurveyView, a: AlertItem) {
	const index = view.units.findIndex((u) => u.code === a.unit);
	if (index < 0) return undefined;
	const slot = 30 * 60_000;
	const from = Date.parse(a.windowStart) - 6 * 3_600_000;
	const to = Date.parse(a.windowEnd) + 6 * 3_600_000;
	const rows = rowsOf<{ slot: number | string; n: number | string; o: number | string }>(
		await db.execute(sql`
			select floor(extract(epoch from received_at) * 1000 / ${slot})::bigint as slot, count(*) as n,
				count(*) filter (where substr(pattern, ${index + 1}::int, 1) between '1' and '9') as o
			from submissions
			where survey_id = ${view.survey.id} and status <> 'excluded'
				and received_at >= ${new Date(from).toISOString()}::timestamptz
				and received_at < ${new Date(to).toISOString()}::timestamptz
			group by 1 order by 1`)
	);
	const n = Number(a.evidence.submissionsInWindow ?? 0);
	const share = n > 0 ? a.expected / n : 0;
	const bySlot = new Map(rows.map((r) => [Number(r.slot), r]));
	const labels: string[] = [];
	const observed: number[] = [];
	const expected: number[] = [];
	for (let s = Math.floor(from / slot); s < Math.ceil(to / slot); s++) {
		const r = bySlot.get(s);
		labels.push(new Date(s * slot).toISOString());
		observed.push(Number(r?.o ?? 0));
		expected.push(Math.round(Number(r?.n ?? 0) * share * 100) / 100);
	}
	return { labels, observed, expected };
}

const SAMPLE = 25;

export async function reviewQueue(
	db: DbOrTx,
	view: SurveyView,
	status: 'quarantined' | 'flagged',
	now = new Date()
): Promise<{ total: number; medianMs: number | null; groups: QueueGroup[]; alerts: AlertItem[] }> {
	const rules = await ruleSetFor(db, view.cycleId, view.survey.ruleSetVersion);
	const medianMs = (await runningStats(db, view.survey.id, now, rules)).speedMedianMs;
	const totalRows = rowsOf<{ n: number | string }>(
		await db.execute(sql`
			select count(*) as n from submissions where survey_id = ${view.survey.id} and status = ${status}`)
	);
	const total = Number(totalRows[0]?.n ?? 0);
	const groups: QueueGroup[] = [];
	const members = async (cluster: string) => {
		const where = await clusterFilter(db, view, cluster);
		const rows = rowsOf<MemberRow & { n: number | string }>(
			await db.execute(sql`
				select ${memberColumns}, count(*) over () as n from submissions s
				where s.survey_id = ${view.survey.id} and s.status = ${status} and ${where}
				order by s.received_at limit ${SAMPLE}`)
		);
		return { count: Number(rows[0]?.n ?? 0), list: rows.map((r) => toMember(r, medianMs)) };
	};
	const alerts = await listAlerts(db, view);
	for (const a of alerts.slice(0, 50)) {
		const key = `alert:${a.id}`;
		const m = await members(key);
		groups.push({
			key,
			kind: 'alert',
			count: m.count,
			members: m.list,
			alert: a,
			chart: a.detector === 'burst' ? await windowChart(db, view, a) : undefined
		});
	}
	const reasonRows = rowsOf<{ r: string; n: number | string }>(
		await db.execute(sql`
			select x.r, count(*) as n from submissions s cross join lateral unnest(s.reasons) as x(r)
			where s.survey_id = ${view.survey.id} and s.status = ${status}
			group by x.r order by 2 desc limit 40`)
	);
	for (const r of reasonRows) {
		if (!/^[a-z_.]+$/.test(r.r)) continue;
		const key = `reason:${r.r}`;
		const m = await members(key);
		groups.push({ key, kind: 'reason', count: Number(r.n), members: m.list });
	}
	const patternRows = rowsOf<{ pattern: string; n: number | string }>(
		await db.execute(sql`
			select pattern, count(*) as n from submissions
			where survey_id = ${view.survey.id} and status = ${status} and pattern ~ '^[0-9]+$'
			group by pattern having count(*) >= 3 order by 2 desc limit 10`)
	);
	for (const p of patternRows) {
		const key = `pattern:${p.pattern}`;
		const m = await members(key);
		groups.push({ key, kind: 'pattern', count: Number(p.n), members: m.list });
	}
	return { total, medianMs, groups, alerts };
}
