import { randomBytes } from 'node:crypto';
import { and, eq, sql } from 'drizzle-orm';
import type { DbOrTx } from '../db/client';
import { survey, unit } from '../db/schema';
import {
	feedbackSetting,
	followup,
	problemType,
	rectificationEvent,
	type Followup,
	type FollowupResult,
	type Rectification
} from '../db/schema/feedback';
import { appendAudit, type Actor } from '../audit/audit-log';
import { ConflictError } from '../errors';
import { rowsOf } from '../db/rows';
import { createCycle, getCycle } from '../cycles/cycles';
import { upsertGroup } from '../cycles/groups';
import { createCategory } from '../cycles/categories';
import { insertUnits } from '../cycles/units';
import { closeSurvey, insertSurvey, publishSurvey } from '../surveys/surveys';
import { surveyInputSchema } from '$lib/schemas/survey';
import { getRectification } from './rectifications';

/**
 * Follow-up (回访) of a done item: a one-question public survey — "how satisfied are you with how
 * <unit> fixed <problem>?" on the 4-level scale — whose link and QR code go to the residents
 * concerned, and whose answer count and score are attached to the item before the office verifies.
 *
 * The survey runs through the normal survey machinery (public page, start tokens, proof of work,
 * checks), but NOT in the assessed cycle: answers there would enter the unit's assessment score,
 * and a closed cycle takes no new surveys. Each cycle gets one companion "follow-up cycle" (kept
 * as a draft, so it is never the office's current cycle) holding one follow-up unit per unit code
 * and one survey per item; the portal never treats it as a unit's latest cycle.
 */

const FOLLOWUP_GROUP = 'residents';
const FOLLOWUP_CATEGORY = 'followup';
const LOCK = 73_008;

/** The follow-up cycle of `cycleId`, created on first use (one per cycle, even under races). */
export async function ensureFollowupCycle(
	db: DbOrTx,
	actor: Actor,
	cycleId: number
): Promise<number> {
	return db.transaction(async (tx) => {
		await tx.execute(sql`select pg_advisory_xact_lock(${LOCK}::int, ${cycleId}::int)`);
		const [s] = await tx.select().from(feedbackSetting).where(eq(feedbackSetting.cycleId, cycleId));
		if (s?.followupCycleId) return s.followupCycleId;
		const source = await getCycle(tx, cycleId);
		const fc = await createCycle(tx, actor, {
			name: `${source.name}（整改回访）`.slice(0, 100),
			year: source.year
		});
		await upsertGroup(tx, actor, fc.id, {
			code: FOLLOWUP_GROUP,
			label: '群众',
			identity: 'link',
			minValid: 0
		});
		await createCategory(tx, actor, fc.id, {
			code: FOLLOWUP_CATEGORY,
			name: '整改回访',
			weights: { [FOLLOWUP_GROUP]: 1 }
		});
		await tx
			.insert(feedbackSetting)
			.values({ cycleId, followupCycleId: fc.id })
			.onConflictDoUpdate({
				target: feedbackSetting.cycleId,
				set: { followupCycleId: fc.id, updatedAt: new Date() }
			});
		return fc.id;
	});
}

export function defaultQuestion(unitName: string, typeName: string, description: string): string {
	const what = description.length > 80 ? `${description.slice(0, 80)}…` : description;
	return `您对${unitName}就“${typeName}”问题（${what}）的整改效果是否满意？`.slice(0, 300);
}

export interface FollowupView {
	id: number;
	slug: string;
	question: string;
	/** Survey status: published while it takes answers, closed after verification. */
	surveyStatus: 'draft' | 'published' | 'closed' | null;
	result: FollowupResult | null;
	createdAt: string;
	createdBy: string;
}

function viewOf(f: Followup, surveyStatus: FollowupView['surveyStatus']): FollowupView {
	return {
		id: f.id,
		slug: f.surveySlug,
		question: f.question,
		surveyStatus,
		result: f.result,
		createdAt: f.createdAt.toISOString(),
		createdBy: f.createdBy
	};
}

/**
 * Creates and publishes the follow-up survey of a done item (office only; one per item). Its one
 * rating row is the item's unit, renamed after the question, so the page reads naturally.
 */
export async function createFollowup(
	db: DbOrTx,
	actor: Actor,
	rectificationId: number,
	input: { question?: string } = {}
): Promise<FollowupView> {
	const item = await getRectification(db, rectificationId);
	if (item.status !== 'done') throw new ConflictError('followup_needs_done');
	const [existing] = await db
		.select()
		.from(followup)
		.where(eq(followup.rectificationId, rectificationId));
	if (existing) throw new ConflictError('followup_exists');
	const [u] = await db.select().from(unit).where(eq(unit.id, item.unitId));
	const [t] = await db
		.select()
		.from(problemType)
		.where(and(eq(problemType.cycleId, item.cycleId), eq(problemType.code, item.typeCode)));
	const question =
		input.question?.trim() || defaultQuestion(u.name, t?.name ?? item.typeCode, item.description);
	const fcId = await ensureFollowupCycle(db, actor, item.cycleId);
	return db.transaction(async (tx) => {
		const [fu] = await tx
			.select({ id: unit.id })
			.from(unit)
			.where(and(eq(unit.cycleId, fcId), eq(unit.code, item.unitCode)));
		if (!fu) {
			await insertUnits(
				tx,
				actor,
				fcId,
				[{ code: item.unitCode, name: u.name, category: FOLLOWUP_CATEGORY }],
				'followup'
			);
		}
		const slug = `fu-${item.id}-${randomBytes(4).toString('hex')}`;
		const parsed = surveyInputSchema.parse({
			slug,
			title: `整改回访：${u.name}`.slice(0, 200),
			description: question,
			groups: [FOLLOWUP_GROUP],
			units: [item.unitCode],
			scale: 'ceping4',
			questions: [],
			access: 'public',
			askArea: false,
			askServiceUse: false,
			unitComments: false,
			generalComment: false
		});
		const s = await insertSurvey(tx, actor, fcId, parsed);
		await publishSurvey(tx, actor, slug);
		const [row] = await tx
			.insert(followup)
			.values({
				rectificationId,
				surveyId: s.id,
				surveySlug: slug,
				question,
				createdBy: actor.label
			})
			.returning();
		await tx.insert(rectificationEvent).values({
			rectificationId,
			kind: 'followup',
			note: question,
			detail: { slug },
			actorLabel: actor.label,
			actorId: actor.id
		});
		await appendAudit(tx, actor, {
			action: 'rectification.followup',
			targetType: 'rectification',
			targetId: rectificationId,
			cycleId: item.cycleId,
			detail: { slug, followupCycleId: fcId }
		});
		return viewOf(row, 'published');
	});
}

/**
 * Counts the follow-up answers: accepted and flagged ones (the checks' quarantine and exclusions
 * apply), 不了解 apart, unweighted — a simple count, not an assessment score.
 */
export async function countFollowup(db: DbOrTx, surveyId: number): Promise<FollowupResult> {
	const rows = rowsOf<{ value: number | null; n: number | string }>(
		await db.execute(sql`
			select r.value as value, count(*)::int as n
			from submissions s join ratings r on r.submission_id = s.id
			where s.survey_id = ${surveyId}::int and r.status in (0, 1)
			group by r.value
			order by r.value desc nulls last`)
	);
	const levels = rows.map((r) => ({
		value: r.value === null ? null : Number(r.value),
		n: Number(r.n)
	}));
	const valued = levels.filter((l) => l.value !== null) as { value: number; n: number }[];
	const n = valued.reduce((t, l) => t + l.n, 0);
	return {
		n,
		nDontKnow: levels.filter((l) => l.value === null).reduce((t, l) => t + l.n, 0),
		score: n ? valued.reduce((t, l) => t + l.value * l.n, 0) / n : null,
		satisfiedShare: n ? valued.filter((l) => l.value >= 60).reduce((t, l) => t + l.n, 0) / n : null,
		levels,
		countedAt: new Date().toISOString()
	};
}

/** The item's follow-up with a fresh count while its survey still takes answers. */
export async function getFollowup(
	db: DbOrTx,
	rectificationId: number
): Promise<FollowupView | null> {
	const [f] = await db.select().from(followup).where(eq(followup.rectificationId, rectificationId));
	if (!f) return null;
	const [s] = f.surveyId
		? await db.select({ status: survey.status }).from(survey).where(eq(survey.id, f.surveyId))
		: [];
	if (f.surveyId && s?.status === 'published') {
		const result = await countFollowup(db, f.surveyId);
		await db.update(followup).set({ result }).where(eq(followup.id, f.id));
		return viewOf({ ...f, result }, 'published');
	}
	return viewOf(f, s?.status ?? null);
}

/**
 * Runs when the office verifies an item: the follow-up's final count is stored and its survey
 * closed (the link stops taking answers). Returns what the history and the audit log record.
 */
export async function finishFollowup(
	db: DbOrTx,
	actor: Actor,
	item: Rectification
): Promise<Record<string, unknown> | undefined> {
	const f = await getFollowup(db, item.id);
	if (!f) return { followup: null };
	if (f.surveyStatus === 'published') await closeSurvey(db, actor, f.slug);
	return { followupId: f.id, n: f.result?.n ?? 0, score: f.result?.score ?? null };
}
