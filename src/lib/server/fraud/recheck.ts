import { sql } from 'drizzle-orm';
import type { Db } from '../db/client';
import { rowsOf } from '../db/rows';
import { forgetSurveyView, loadSurveyView } from '../surveys/survey-view';
import { getWritableCycle } from '../cycles/cycles';
import { appendAudit, type Actor } from '../audit/audit-log';
import { markRollupsStale } from '../scoring/aggregate';
import type { SubmissionStatus } from '../responses/submit-response';
import type { RuleSet } from '$lib/schemas/rule-set';
import {
	isPipelineCode,
	isReviewCode,
	runChecks,
	sortCodes,
	verdict,
	type CheckContext,
	type CheckInput,
	type Peer
} from './checks';
import { forgetRunningStats, loadSurveyFacts, statsOf } from './context';
import { prefixRuleApplies, textsOf } from './decide';
import { ruleSetFor } from './rules';
import { refreshUnitWeights, writeDecisionChanges, type DecisionChange } from './apply';
import { detect, type DetectorRow } from './detectors/detect';
import {
	answersOf,
	detectorContext,
	FRAUD_LOCK,
	persistAlerts,
	textArray,
	unitWeightsOf
} from './detectors';
import { startJob, type ProgressFn } from './jobs';

/**
 * The retrospective pass (DESIGN.md §7): every per-submission check and every window detector of
 * the survey's current rule set, re-run over the stored facts of all its submissions, and the
 * decisions that change written back (with an appended `decisions` row each). Reads in keyset
 * batches, computes in memory (the checks are the pipeline's own pure functions), writes set-based
 * in one transaction under the survey's advisory lock. Reviewers' decisions stand.
 */

export interface RecheckSummary {
	survey: string;
	ruleSetVersion: number;
	submissions: number;
	changed: number;
	/** "from→to" → count. */
	transitions: Record<string, number>;
	alerts: number;
	ms: number;
}

interface FullRow {
	id: number | string;
	received_at: Date | string;
	pattern: string | null;
	area_code: string | null;
	group_code: string;
	status: SubmissionStatus;
	reasons: string[] | string | null;
	risk: number | string;
	weight: number | string;
	duration_ms: number | string | null;
	pow_ms: number | string | null;
	ua_class: string | null;
	source: string;
	ip_prefix_hash: string | null;
	device_hash: string | null;
	phone_hash: string | null;
	network_type: string | null;
	network_scope: string | null;
	answers: Record<string, string | string[]> | string | null;
	identity_tier: string | null;
}

const READ_BATCH = 20_000;
const MAX_IDENTITY_PEERS = 20;
const MAX_PREFIX_PEERS = 300;

export async function recheckSurvey(
	db: Db,
	slug: string,
	actor: Actor,
	options: { progress?: ProgressFn } = {}
): Promise<RecheckSummary> {
	const started = Date.now();
	const progress = options.progress ?? (async () => {});
	forgetSurveyView(slug);
	const view = await loadSurveyView(db, slug);
	await getWritableCycle(db, view.cycleId);
	const surveyId = view.survey.id;
	const rules = await ruleSetFor(db, view.cycleId, view.survey.ruleSetVersion);
	const facts = await loadSurveyFacts(db, view);
	const ctxBase = detectorContext(view, rules);

	const countRows = rowsOf<{ n: number | string }>(
		await db.execute(sql`select count(*) as n from submissions where survey_id = ${surveyId}`)
	);
	const total = Number(countRows[0]?.n ?? 0);
	const raw: FullRow[] = [];
	let lastId = 0;
	for (;;) {
		const batch = rowsOf<FullRow>(
			await db.execute(sql`
				select id, received_at, pattern, area_code, group_code, status, reasons, risk, weight,
					duration_ms, pow_ms, ua_class, source, ip_prefix_hash, device_hash, phone_hash,
					network_type, network_scope, answers, identity_tier
				from submissions where survey_id = ${surveyId} and id > ${lastId}
				order by id limit ${READ_BATCH}`)
		);
		if (!batch.length) break;
		raw.push(...batch);
		lastId = Number(batch[batch.length - 1].id);
		await progress(Math.min(60, (60 * raw.length) / Math.max(1, total)));
	}
	const texts = new Map<number, string[]>();
	const commentRows = rowsOf<{ submission_id: number | string; body: string }>(
		await db.execute(sql`select submission_id, body from comments where survey_id = ${surveyId}`)
	);
	for (const c of commentRows) {
		const id = Number(c.submission_id);
		const list = texts.get(id) ?? [];
		list.push(c.body);
		texts.set(id, list);
	}

	const rows = raw
		.map((r) => {
			const answers = answersOf(r.answers);
			return {
				id: Number(r.id),
				receivedAt: new Date(r.received_at).getTime(),
				pattern: r.pattern ?? '',
				areaCode: r.area_code,
				groupCode: r.group_code,
				status: r.status,
				reasons: textArray(r.reasons),
				risk: Number(r.risk),
				weight: Number(r.weight),
				durationMs: r.duration_ms === null ? null : Number(r.duration_ms),
				powMs: r.pow_ms === null ? null : Number(r.pow_ms),
				uaClass: r.ua_class,
				source: (r.source === 'paper' || r.source === 'external'
					? r.source
					: 'live') as CheckInput['source'],
				prefixHash: r.ip_prefix_hash,
				deviceHash: r.device_hash,
				phoneHash: r.phone_hash,
				networkType: r.network_type,
				networkScope: r.network_scope,
				answers,
				texts: textsOf(view, answers, texts.get(Number(r.id)) ?? []),
				tier: r.identity_tier
			};
		})
		.sort((a, b) => a.receivedAt - b.receivedAt || a.id - b.id);

	// The medians over the answers that counted when they were stored (as the pipeline takes them).
	const stats = statsOf(
		rows
			.filter((r) => r.source === 'live' && (r.status === 'accepted' || r.status === 'flagged'))
			.map((r) => ({ durationMs: r.durationMs, powMs: r.powMs, uaClass: r.uaClass })),
		{ ...rules, speed: { ...rules.speed, medianWindow: Number.MAX_SAFE_INTEGER } } as RuleSet
	);

	const byDevice = new Map<string, Peer[]>();
	const byPhone = new Map<string, Peer[]>();
	const byPrefix = new Map<string, Peer[]>();
	const prefixWindowMs = rules.prefix.windowHours * 3_600_000;
	const checkCodes = new Map<number, string[]>();
	const detectorRows: DetectorRow[] = [];
	for (const r of rows) {
		const prefixKey = prefixRuleApplies(r.networkType, rules) ? r.prefixHash : null;
		let prefixPeers: Peer[] = [];
		if (prefixKey) {
			const list = byPrefix.get(prefixKey) ?? [];
			while (list.length && list[0].receivedAt < r.receivedAt - prefixWindowMs) list.shift();
			prefixPeers = list.slice(-MAX_PREFIX_PEERS);
			byPrefix.set(prefixKey, list);
		}
		const ctx: CheckContext = {
			rules,
			survey: facts,
			speedMedianMs: stats.speedMedianMs,
			powMedianMs: r.uaClass ? (stats.powMedianMs.get(r.uaClass) ?? null) : null,
			devicePeers: r.deviceHash
				? (byDevice.get(r.deviceHash) ?? []).slice(-MAX_IDENTITY_PEERS)
				: [],
			phonePeers: r.phoneHash ? (byPhone.get(r.phoneHash) ?? []).slice(-MAX_IDENTITY_PEERS) : [],
			prefixPeers
		};
		const input: CheckInput = {
			source: r.source,
			receivedAt: r.receivedAt,
			durationMs: r.durationMs,
			powMs: r.powMs,
			uaClass: r.uaClass,
			pattern: r.pattern,
			groupCode: r.groupCode,
			areaCode: r.areaCode,
			networkType: r.networkType,
			networkScope: r.networkScope,
			answers: r.answers,
			comments: r.texts
		};
		const kept = r.reasons.filter((c) => isPipelineCode(c) || isReviewCode(c));
		const own = sortCodes([...kept, ...runChecks(input, ctx)]);
		checkCodes.set(r.id, own);
		const v = verdict(own, rules);
		detectorRows.push({
			id: r.id,
			receivedAt: r.receivedAt,
			pattern: r.pattern,
			areaCode: r.areaCode,
			counted: v.action === 'accepted' || v.action === 'flagged',
			excluded: own.includes('review.excluded'),
			durationMs: r.durationMs,
			prefixHash: r.prefixHash,
			networkType: r.networkType,
			texts: r.texts,
			tier: r.tier
		});
		const peer: Peer = { pattern: r.pattern, receivedAt: r.receivedAt, areaCode: r.areaCode };
		for (const [map, key] of [
			[byDevice, r.deviceHash],
			[byPhone, r.phoneHash]
		] as const) {
			if (!key) continue;
			const list = map.get(key);
			if (list) list.push(peer);
			else map.set(key, [peer]);
		}
		if (prefixKey) byPrefix.get(prefixKey)!.push(peer);
	}
	await progress(65);

	const out = detect({
		rules,
		units: view.units.length,
		topLevel: ctxBase.topLevel,
		bottomLevel: ctxBase.bottomLevel,
		speedMedianMs: stats.speedMedianMs,
		rows: detectorRows,
		applyFrom: -Infinity,
		levelValues: ctxBase.levelValues
	});
	const changes: DecisionChange[] = [];
	const refresh: { id: number; unitWeights: Record<number, number> }[] = [];
	const transitions: Record<string, number> = {};
	for (const r of rows) {
		const reasons = sortCodes([...(checkCodes.get(r.id) ?? []), ...(out.codes.get(r.id) ?? [])]);
		const v = verdict(reasons, rules);
		const { unitWeights, weight } = unitWeightsOf(out, r.id, view);
		const same =
			v.action === r.status &&
			v.risk === r.risk &&
			Math.abs(weight - r.weight) < 1e-6 &&
			reasons.join(',') === r.reasons.join(',');
		if (same) {
			if (weight < 1) refresh.push({ id: r.id, unitWeights });
			continue;
		}
		changes.push({ id: r.id, status: v.action, risk: v.risk, weight, reasons, unitWeights });
		if (v.action !== r.status) {
			const k = `${r.status}→${v.action}`;
			transitions[k] = (transitions[k] ?? 0) + 1;
		}
	}
	await progress(70);

	await db.transaction(async (tx) => {
		await tx.execute(sql`select pg_advisory_xact_lock(${FRAUD_LOCK}::int, ${surveyId}::int)`);
		await persistAlerts(tx, view, out, -Infinity);
		await writeDecisionChanges(tx, changes, {
			ruleSetVersion: view.survey.ruleSetVersion,
			source: 'recheck',
			actor: actor.label,
			note: null
		});
		await refreshUnitWeights(tx, refresh);
		if (changes.length || refresh.length) await markRollupsStale(tx, view.cycleId);
		await appendAudit(tx, actor, {
			action: 'survey.recheck',
			targetType: 'survey',
			targetId: slug,
			cycleId: view.cycleId,
			detail: {
				ruleSetVersion: view.survey.ruleSetVersion,
				submissions: rows.length,
				changed: changes.length,
				transitions,
				alerts: out.alerts.length
			}
		});
	});
	forgetRunningStats(db);
	await progress(100);
	return {
		survey: slug,
		ruleSetVersion: view.survey.ruleSetVersion,
		submissions: rows.length,
		changed: changes.length,
		transitions,
		alerts: out.alerts.length,
		ms: Date.now() - started
	};
}

/** Starts the retrospective pass as a job (progress at GET /api/v1/jobs/{id}). */
export async function startRecheckJob(db: Db, slug: string, actor: Actor): Promise<string> {
	const view = await loadSurveyView(db, slug);
	// A closed cycle is read-only: its decisions are what was published.
	await getWritableCycle(db, view.cycleId);
	return startJob(db, 'recheck', actor.label, async (progress) => {
		const summary = await recheckSurvey(db, slug, actor, { progress });
		return { ...summary };
	});
}
