import { and, desc, eq } from 'drizzle-orm';
import type { DbOrTx } from '../db/client';
import type { ScoreSnapshot } from '../db/schema';
import { appeal, type Appeal, type AppealEvidence } from '../db/schema/feedback';
import { appendAudit, type Actor } from '../audit/audit-log';
import { ConflictError, NotFoundError } from '../errors';
import { getCycle } from '../cycles/cycles';
import { latestPublished } from '../scoring/snapshots';
import { unitDetail } from '../scoring/unit-detail';
import type { AppealOutcome } from '$lib/schemas/feedback';
import { getFeedbackSettings } from './settings';
import { unitOfCycle } from './rectifications';

/**
 * Appeals (申诉复核): within a window after its result is published, a unit may contest it with a
 * reason; the office answers with aggregate evidence only — answers per group, left-out answers by
 * reason, the distribution of levels — never who answered or what one person answered. Every step
 * is in the audit log.
 */

/** The published snapshot a unit sees: the latest with exclusions applied, else the latest. */
export async function portalSnapshot(db: DbOrTx, cycleId: number): Promise<ScoreSnapshot | null> {
	return (await latestPublished(db, cycleId, 'applied')) ?? (await latestPublished(db, cycleId));
}

export interface AppealWindow {
	open: boolean;
	/** Why it is closed: nothing published yet, or the window has passed. */
	reason: 'not_published' | 'window_passed' | null;
	snapshotId: number | null;
	publishedAt: string | null;
	closesAt: string | null;
	days: number;
}

export async function appealWindow(
	db: DbOrTx,
	cycleId: number,
	now: Date = new Date()
): Promise<AppealWindow> {
	const { appealDays } = await getFeedbackSettings(db, cycleId);
	const snap = await portalSnapshot(db, cycleId);
	if (!snap?.publishedAt) {
		return {
			open: false,
			reason: 'not_published',
			snapshotId: null,
			publishedAt: null,
			closesAt: null,
			days: appealDays
		};
	}
	const closesAt = new Date(snap.publishedAt.getTime() + appealDays * 86_400_000);
	const open = now.getTime() <= closesAt.getTime();
	return {
		open,
		reason: open ? null : 'window_passed',
		snapshotId: snap.id,
		publishedAt: snap.publishedAt.toISOString(),
		closesAt: closesAt.toISOString(),
		days: appealDays
	};
}

export interface AppealView {
	id: number;
	cycleId: number;
	unitCode: string;
	snapshotId: number | null;
	reason: string;
	status: Appeal['status'];
	response: string | null;
	evidence: AppealEvidence | null;
	createdBy: string;
	createdAt: string;
	answeredBy: string | null;
	answeredAt: string | null;
}

function viewOf(a: Appeal): AppealView {
	return {
		id: a.id,
		cycleId: a.cycleId,
		unitCode: a.unitCode,
		snapshotId: a.snapshotId,
		reason: a.reason,
		status: a.status,
		response: a.response,
		evidence: a.evidence,
		createdBy: a.createdBy,
		createdAt: a.createdAt.toISOString(),
		answeredBy: a.answeredBy,
		answeredAt: a.answeredAt?.toISOString() ?? null
	};
}

export async function listAppeals(
	db: DbOrTx,
	cycleId: number,
	unitCode?: string
): Promise<AppealView[]> {
	const rows = await db
		.select()
		.from(appeal)
		.where(and(eq(appeal.cycleId, cycleId), unitCode ? eq(appeal.unitCode, unitCode) : undefined))
		.orderBy(desc(appeal.id));
	return rows.map(viewOf);
}

export async function getAppeal(db: DbOrTx, id: number): Promise<AppealView> {
	if (!Number.isSafeInteger(id) || id <= 0) throw new NotFoundError('not_found');
	const [row] = await db.select().from(appeal).where(eq(appeal.id, id));
	if (!row) throw new NotFoundError('not_found');
	return viewOf(row);
}

/** A unit contests its published result; one pending appeal per unit and cycle at a time. */
export async function createAppeal(
	db: DbOrTx,
	actor: Actor,
	cycleId: number,
	unitCode: string,
	reason: string,
	now: Date = new Date()
): Promise<AppealView> {
	await unitOfCycle(db, cycleId, unitCode);
	const window = await appealWindow(db, cycleId, now);
	if (!window.open) throw new ConflictError(`appeal_${window.reason}`);
	const [pending] = await db
		.select({ id: appeal.id })
		.from(appeal)
		.where(
			and(eq(appeal.cycleId, cycleId), eq(appeal.unitCode, unitCode), eq(appeal.status, 'pending'))
		);
	if (pending) throw new ConflictError('appeal_pending');
	const [row] = await db
		.insert(appeal)
		.values({
			cycleId,
			unitCode,
			snapshotId: window.snapshotId,
			reason,
			createdBy: actor.label,
			createdById: actor.id,
			createdAt: now
		})
		.returning();
	await appendAudit(db, actor, {
		action: 'appeal.create',
		targetType: 'appeal',
		targetId: row.id,
		cycleId,
		detail: { unit: unitCode, snapshotId: window.snapshotId }
	});
	return viewOf(row);
}

/**
 * The aggregate evidence behind a unit's result: the published figures, answers per group, the
 * answers left out per status and reason code, and the level distribution per group. Counts only.
 */
export async function appealEvidence(
	db: DbOrTx,
	cycleId: number,
	unitCode: string
): Promise<AppealEvidence> {
	await getCycle(db, cycleId);
	const detail = await unitDetail(db, cycleId, unitCode);
	const snap = await portalSnapshot(db, cycleId);
	const item = snap?.results.items.find((i) => i.unit === unitCode) ?? detail.applied;
	return {
		snapshotId: snap?.id ?? null,
		publishedAt: snap?.publishedAt?.toISOString() ?? null,
		score: item.score,
		ci: item.ci,
		rank: item.rank,
		rankOf: item.rankOf,
		nSubmitted: item.nSubmitted,
		nExcluded: item.nExcluded,
		groups: item.groups.map((g) => ({
			group: g.group,
			label: detail.groupLabels[g.group] ?? g.group,
			nValid: g.nValid,
			nDontKnow: g.nDontKnow,
			nEff: g.nEff
		})),
		exclusions: detail.exclusions.map((e) => ({ status: e.status, reason: e.reason, n: e.n })),
		distribution: detail.levels.map((l) => ({ group: l.group, value: l.value, n: l.n }))
	};
}

/** The office's answer: an outcome, a written response and the evidence, frozen with the appeal. */
export async function answerAppeal(
	db: DbOrTx,
	actor: Actor,
	id: number,
	input: { outcome: AppealOutcome; response: string }
): Promise<AppealView> {
	const before = await getAppeal(db, id);
	if (before.status !== 'pending') throw new ConflictError('appeal_already_answered');
	const evidence = await appealEvidence(db, before.cycleId, before.unitCode);
	const [row] = await db
		.update(appeal)
		.set({
			status: input.outcome,
			response: input.response,
			evidence,
			answeredBy: actor.label,
			answeredAt: new Date()
		})
		.where(and(eq(appeal.id, id), eq(appeal.status, 'pending')))
		.returning();
	if (!row) throw new ConflictError('appeal_already_answered');
	await appendAudit(db, actor, {
		action: 'appeal.answer',
		targetType: 'appeal',
		targetId: id,
		cycleId: before.cycleId,
		detail: { unit: before.unitCode, outcome: input.outcome }
	});
	return viewOf(row);
}
