import { eq, isNotNull } from 'drizzle-orm';
import type { DbOrTx } from '../db/client';
import { feedbackSetting } from '../db/schema/feedback';
import { appendAudit, type Actor } from '../audit/audit-log';
import { getCycle } from '../cycles/cycles';

export interface FeedbackSettings {
	requireApproval: boolean;
	appealDays: number;
	followupCycleId: number | null;
}

export const DEFAULT_APPEAL_DAYS = 10;

export async function getFeedbackSettings(db: DbOrTx, cycleId: number): Promise<FeedbackSettings> {
	const [row] = await db.select().from(feedbackSetting).where(eq(feedbackSetting.cycleId, cycleId));
	return {
		requireApproval: row?.requireApproval ?? false,
		appealDays: row?.appealDays ?? DEFAULT_APPEAL_DAYS,
		followupCycleId: row?.followupCycleId ?? null
	};
}

/** Settings may change in a closed cycle too: they concern feedback, not the stored scores. */
export async function saveFeedbackSettings(
	db: DbOrTx,
	actor: Actor,
	cycleId: number,
	input: { requireApproval?: boolean; appealDays?: number }
): Promise<FeedbackSettings> {
	await getCycle(db, cycleId);
	const before = await getFeedbackSettings(db, cycleId);
	const next = {
		requireApproval: input.requireApproval ?? before.requireApproval,
		appealDays: input.appealDays ?? before.appealDays
	};
	await db
		.insert(feedbackSetting)
		.values({ cycleId, ...next })
		.onConflictDoUpdate({
			target: feedbackSetting.cycleId,
			set: { ...next, updatedAt: new Date() }
		});
	await appendAudit(db, actor, {
		action: 'feedback.settings',
		targetType: 'cycle',
		targetId: cycleId,
		cycleId,
		detail: { before: { ...before, followupCycleId: undefined }, after: next }
	});
	return { ...next, followupCycleId: before.followupCycleId };
}

/** Cycles that only hold follow-up surveys: never a unit's "latest cycle" in the portal. */
export async function followupCycleIds(db: DbOrTx): Promise<Set<number>> {
	const rows = await db
		.select({ id: feedbackSetting.followupCycleId })
		.from(feedbackSetting)
		.where(isNotNull(feedbackSetting.followupCycleId));
	return new Set(rows.map((r) => r.id as number));
}
