import { sql } from 'drizzle-orm';
import type { DbOrTx } from '../db/client';
import { statusCode, type SubmissionStatus } from '../responses/submit-response';

/**
 * Writes changed decisions: the submission's status, risk, weight and reasons, the copies in its
 * ratings (scores read only `ratings`), and an appended `decisions` row. Set-based, in batches:
 * three statements per batch whatever the batch size.
 */
export interface DecisionChange {
	id: number;
	status: SubmissionStatus;
	risk: number;
	/** The submission's weight: the smallest of its answers' weights (shown in lists). */
	weight: number;
	reasons: string[];
	/**
	 * Weights of the answers (unit id → weight; absent units weigh 1). Absent: the answers keep their
	 * weights (a reviewer's decision changes the status only).
	 */
	unitWeights?: Record<number, number>;
}

export interface DecisionMeta {
	ruleSetVersion: number;
	source: 'pipeline' | 'recheck' | 'review' | 'import';
	actor: string | null;
	note: string | null;
}

export const WRITE_BATCH = 2_000;

export async function writeDecisionChanges(
	db: DbOrTx,
	changes: readonly DecisionChange[],
	meta: DecisionMeta,
	onBatch?: (done: number) => Promise<void> | void
): Promise<void> {
	for (let i = 0; i < changes.length; i += WRITE_BATCH) {
		const batch = changes.slice(i, i + WRITE_BATCH).map((c) => ({
			id: c.id,
			status: c.status,
			code: statusCode[c.status],
			risk: Math.max(-32_000, Math.min(32_000, Math.round(c.risk))),
			weight: c.weight,
			reasons: c.reasons,
			uw: c.unitWeights ?? null
		}));
		const json = JSON.stringify(batch);
		await db.execute(sql`
			update submissions s
			set status = u.status::submission_status, risk = u.risk, weight = u.weight, reasons = u.reasons
			from json_to_recordset(${json}::json)
				as u(id bigint, status text, code smallint, risk smallint, weight real, reasons text[])
			where s.id = u.id`);
		await db.execute(sql`
			update ratings r set status = u.code,
				weight = case when u.uw is null then r.weight else coalesce((u.uw ->> r.unit_id::text)::real, 1) end
			from json_to_recordset(${json}::json) as u(id bigint, code smallint, uw jsonb)
			where r.submission_id = u.id and (r.status <> u.code or (u.uw is not null
				and r.weight is distinct from coalesce((u.uw ->> r.unit_id::text)::real, 1)))`);
		await db.execute(sql`
			insert into decisions (submission_id, rule_set_version, action, risk, weight, reasons, source, actor, note)
			select u.id, ${meta.ruleSetVersion}::int, u.status, u.risk, u.weight, u.reasons,
				${meta.source}, ${meta.actor}, ${meta.note}
			from json_to_recordset(${json}::json)
				as u(id bigint, status text, risk smallint, weight real, reasons text[])`);
		await onBatch?.(Math.min(changes.length, i + WRITE_BATCH));
	}
}

/**
 * Answer weights of window members whose decision did not change (the per-unit E/O moved as the
 * window filled): ratings only, no decision row.
 */
export async function refreshUnitWeights(
	db: DbOrTx,
	rows: readonly { id: number; unitWeights: Record<number, number> }[]
): Promise<void> {
	for (let i = 0; i < rows.length; i += WRITE_BATCH) {
		const json = JSON.stringify(
			rows.slice(i, i + WRITE_BATCH).map((r) => ({ id: r.id, uw: r.unitWeights }))
		);
		await db.execute(sql`
			update ratings r set weight = coalesce((u.uw ->> r.unit_id::text)::real, 1)
			from json_to_recordset(${json}::json) as u(id bigint, uw jsonb)
			where r.submission_id = u.id and r.weight is distinct from coalesce((u.uw ->> r.unit_id::text)::real, 1)`);
	}
}
