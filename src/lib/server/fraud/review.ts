import { sql } from 'drizzle-orm';
import type { Db, DbOrTx } from '../db/client';
import { rowsOf } from '../db/rows';
import { appendAudit, type Actor } from '../audit/audit-log';
import { ConflictError, NotFoundError, ValidationError } from '../errors';
import { markRollupsStale } from '../scoring/aggregate';
import type { SubmissionStatus } from '../responses/submit-response';
import type { SurveyView } from '../surveys/survey-view';
import { isReviewCode, sortCodes, verdict } from './checks';
import { ruleSetFor } from './rules';
import { writeDecisionChanges, type DecisionChange } from './apply';
import { textArray } from './detectors';
import { getWritableCycle } from '../cycles/cycles';

/**
 * Reviewers' decisions (DESIGN.md §7 Review): accept (counted again) or exclude, one submission or a
 * whole cluster, always with a reason. The decision is a reason code on the submission
 * (`review.accepted` / `review.excluded`) that outranks any points, so re-running the checks later
 * keeps it; every decision is appended to `decisions` and to the audit log with the rule-set version.
 */

export type ReviewDecision = 'accept' | 'exclude';

/** Statuses waiting for a reviewer (the queues). */
export const QUEUE_STATUSES: SubmissionStatus[] = ['quarantined', 'flagged'];

interface Target {
	id: number;
	client_id: string;
	survey_id: number;
	status: SubmissionStatus;
	reasons: string[] | string | null;
	weight: number | string;
	risk: number | string;
}

export interface ReviewResult {
	decided: number;
	decision: ReviewDecision;
	ruleSetVersion: number;
}

async function decide(
	db: Db,
	actor: Actor,
	view: SurveyView,
	targets: Target[],
	decision: ReviewDecision,
	reason: string,
	via: string
): Promise<ReviewResult> {
	// A closed cycle is read-only: its decisions are what was published.
	await getWritableCycle(db, view.cycleId);
	const rules = await ruleSetFor(db, view.cycleId, view.survey.ruleSetVersion);
	const code = decision === 'accept' ? 'review.accepted' : 'review.excluded';
	const changes: DecisionChange[] = targets.map((t) => {
		const reasons = sortCodes([...textArray(t.reasons).filter((c) => !isReviewCode(c)), code]);
		const v = verdict(reasons, rules);
		return { id: Number(t.id), status: v.action, risk: v.risk, weight: Number(t.weight), reasons };
	});
	await db.transaction(async (tx) => {
		await writeDecisionChanges(tx, changes, {
			ruleSetVersion: view.survey.ruleSetVersion,
			source: 'review',
			actor: actor.label,
			note: reason
		});
		await appendAudit(tx, actor, {
			action: `response.review.${decision}`,
			targetType: 'survey',
			targetId: view.survey.slug,
			cycleId: view.cycleId,
			detail: {
				via,
				reason,
				count: targets.length,
				ruleSetVersion: view.survey.ruleSetVersion,
				submissions: targets.slice(0, 500).map((t) => t.client_id)
			}
		});
		if (changes.length) await markRollupsStale(tx, view.cycleId);
	});
	return { decided: changes.length, decision, ruleSetVersion: view.survey.ruleSetVersion };
}

const targetColumns = sql`s.id, s.client_id, s.survey_id, s.status, s.reasons, s.weight, s.risk`;

/** The survey a single submission (by its public submissionId) belongs to. */
export async function surveySlugOfSubmission(db: DbOrTx, submissionId: string): Promise<string> {
	if (!/^[0-9a-f-]{36}$/i.test(submissionId)) throw new NotFoundError('submission_not_found');
	const rows = rowsOf<{ slug: string }>(
		await db.execute(sql`
			select v.slug from submissions s join surveys v on v.id = s.survey_id
			where s.client_id = ${submissionId}::uuid limit 2`)
	);
	if (!rows.length) throw new NotFoundError('submission_not_found');
	if (rows.length > 1) throw new ConflictError('submission_id_ambiguous');
	return rows[0].slug;
}

export async function reviewOne(
	db: Db,
	actor: Actor,
	view: SurveyView,
	submissionId: string,
	decision: ReviewDecision,
	reason: string
): Promise<ReviewResult> {
	const rows = rowsOf<Target>(
		await db.execute(sql`
			select ${targetColumns} from submissions s
			where s.survey_id = ${view.survey.id} and s.client_id = ${submissionId}::uuid`)
	);
	if (!rows.length) throw new NotFoundError('submission_not_found');
	return decide(db, actor, view, rows, decision, reason, 'one');
}

/**
 * A bulk decision: listed submissions (any status), or the members of a cluster that are still in a
 * queue (quarantined or flagged). Cluster keys: `reason:<code>`, `alert:<id>`, `pattern:<digits>`.
 */
export async function reviewMany(
	db: Db,
	actor: Actor,
	view: SurveyView,
	target: { ids?: string[]; cluster?: string },
	decision: ReviewDecision,
	reason: string
): Promise<ReviewResult> {
	let rows: Target[];
	if (target.ids) {
		rows = rowsOf<Target>(
			await db.execute(sql`
				select ${targetColumns} from submissions s
				where s.survey_id = ${view.survey.id}
					and s.client_id in (select x::uuid from jsonb_array_elements_text(${JSON.stringify(target.ids)}::jsonb) as t(x))`)
		);
		const found = new Set(rows.map((r) => r.client_id));
		const missing = target.ids.filter((id) => !found.has(id));
		if (missing.length) {
			throw new ValidationError(
				'submission_not_found',
				missing.slice(0, 50).map((id) => ({
					path: `ids.${target.ids!.indexOf(id)}`,
					message: 'submission_not_found'
				}))
			);
		}
	} else {
		rows = rowsOf<Target>(
			await db.execute(sql`
				select ${targetColumns} from submissions s
				where s.survey_id = ${view.survey.id} and s.status in ('quarantined', 'flagged')
					and ${await clusterFilter(db, view, target.cluster ?? '')}`)
		);
	}
	if (!rows.length) throw new NotFoundError('nothing_to_review');
	return decide(
		db,
		actor,
		view,
		rows,
		decision,
		reason,
		target.ids ? 'ids' : (target.cluster ?? '')
	);
}

/** SQL condition on `s` selecting a cluster's members. */
export async function clusterFilter(db: DbOrTx, view: SurveyView, cluster: string) {
	const [kind, ...rest] = cluster.split(':');
	const value = rest.join(':');
	const invalid = () =>
		new ValidationError('invalid_cluster', [{ path: 'cluster', message: 'invalid_cluster' }]);
	if (kind === 'reason') {
		if (!/^[a-z_.]+$/.test(value)) throw invalid();
		return sql`${value} = any(s.reasons)`;
	}
	if (kind === 'pattern') {
		if (!/^[0-9]{1,500}$/.test(value)) throw invalid();
		return sql`s.pattern = ${value}`;
	}
	if (kind === 'alert') {
		if (!/^[0-9]{1,9}$/.test(value)) throw invalid();
		const [a] = rowsOf<{
			unit_id: number | null;
			detector: string;
			window_start: Date | string;
			window_end: Date | string;
			evidence: { pattern?: string } | string;
		}>(
			await db.execute(sql`
				select unit_id, detector, window_start, window_end, evidence from alerts
				where id = ${Number(value)} and survey_id = ${view.survey.id}`)
		);
		if (!a) throw new NotFoundError('alert_not_found');
		const from = new Date(a.window_start).toISOString();
		const to = new Date(a.window_end).toISOString();
		const inWindow = sql`s.received_at >= ${from}::timestamptz and s.received_at < ${to}::timestamptz`;
		if (a.detector === 'template') {
			const ev = typeof a.evidence === 'string' ? JSON.parse(a.evidence) : a.evidence;
			return sql`${inWindow} and s.pattern = ${String(ev.pattern ?? '')}`;
		}
		const index = view.units.findIndex((u) => u.id === a.unit_id);
		if (index < 0) throw new NotFoundError('alert_not_found');
		return sql`${inWindow} and substr(s.pattern, ${index + 1}::int, 1) between '1' and '9'`;
	}
	throw invalid();
}
