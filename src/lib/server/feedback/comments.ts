import { and, desc, eq, inArray, isNull, lt, ne, sql, type SQL } from 'drizzle-orm';
import type { DbOrTx } from '../db/client';
import { comment, survey, unit } from '../db/schema';
import { appendAudit, type Actor } from '../audit/audit-log';
import { NotFoundError, ValidationError } from '../errors';
import { getCycle } from '../cycles/cycles';
import { redactComment, type RedactionKind } from './redact';
import { getFeedbackSettings } from './settings';

/**
 * Residents' comments on the way to the units (DESIGN.md §7). The submit pipeline stores them with
 * `moderation = 'pending'` and no redacted text; redaction fills `redacted` in batches (whenever the
 * console, the portal or the API reads a cycle's comments, and on demand), and the office may show
 * or hide each one. Units only ever get `redacted`, never `body`, and never a hidden comment; with
 * approval required (a cycle setting), only comments the office showed.
 */

export type Moderation = 'pending' | 'shown' | 'hidden';

const BATCH = 500;

function cycleSurveys(db: DbOrTx, cycleId: number) {
	return db.select({ id: survey.id }).from(survey).where(eq(survey.cycleId, cycleId));
}

async function writeRedacted(db: DbOrTx, rows: { id: number; body: string }[]): Promise<void> {
	if (!rows.length) return;
	const json = JSON.stringify(rows.map((r) => ({ id: r.id, r: redactComment(r.body).text })));
	// One statement per batch; jsonb_to_recordset keeps the values parameters on both drivers.
	await db.execute(sql`
		update comments as c set redacted = x.r
		from jsonb_to_recordset(${json}::jsonb) as x(id bigint, r text)
		where c.id = x.id`);
}

/** Redacts the cycle's comments that have no redacted text yet; returns how many it did. */
export async function redactPendingComments(db: DbOrTx, cycleId: number): Promise<number> {
	let done = 0;
	for (;;) {
		const rows = await db
			.select({ id: comment.id, body: comment.body })
			.from(comment)
			.where(and(isNull(comment.redacted), inArray(comment.surveyId, cycleSurveys(db, cycleId))))
			.orderBy(comment.id)
			.limit(BATCH);
		await writeRedacted(db, rows);
		done += rows.length;
		if (rows.length < BATCH) return done;
	}
}

/** Runs the redaction again over every comment of the cycle (after the rules improved). */
export async function rerunRedaction(db: DbOrTx, actor: Actor, cycleId: number): Promise<number> {
	await getCycle(db, cycleId);
	let after = 0;
	let done = 0;
	for (;;) {
		const rows = await db
			.select({ id: comment.id, body: comment.body })
			.from(comment)
			.where(
				and(inArray(comment.surveyId, cycleSurveys(db, cycleId)), sql`${comment.id} > ${after}`)
			)
			.orderBy(comment.id)
			.limit(BATCH);
		await writeRedacted(db, rows);
		done += rows.length;
		if (rows.length < BATCH) break;
		after = rows[rows.length - 1].id;
	}
	await appendAudit(db, actor, {
		action: 'comment.redact_all',
		targetType: 'cycle',
		targetId: cycleId,
		cycleId,
		detail: { comments: done }
	});
	return done;
}

export interface ConsoleComment {
	id: number;
	unitCode: string | null;
	unitName: string | null;
	/** Redacted text only: the console never shows the raw body either. */
	text: string;
	/** What the redaction removed, by kind. */
	found: Partial<Record<RedactionKind, number>>;
	moderation: Moderation;
	hiddenReason: string | null;
	createdAt: Date;
}

export interface CommentFilter {
	moderation?: Moderation;
	unitCode?: string;
	/** Comments with an id below this (keyset paging, newest first). */
	before?: number;
	limit?: number;
}

/** The console's moderation list (redacted texts), newest first. */
export async function listCycleComments(
	db: DbOrTx,
	cycleId: number,
	filter: CommentFilter = {}
): Promise<{ items: ConsoleComment[]; nextBefore: number | null }> {
	await getCycle(db, cycleId);
	await redactPendingComments(db, cycleId);
	const where: SQL[] = [inArray(comment.surveyId, cycleSurveys(db, cycleId))];
	if (filter.moderation) where.push(eq(comment.moderation, filter.moderation));
	if (filter.unitCode) where.push(eq(unit.code, filter.unitCode));
	if (filter.before) where.push(lt(comment.id, filter.before));
	const limit = Math.min(Math.max(filter.limit ?? 50, 1), 200);
	const rows = await db
		.select({
			id: comment.id,
			body: comment.body,
			redacted: comment.redacted,
			moderation: comment.moderation,
			hiddenReason: comment.hiddenReason,
			createdAt: comment.createdAt,
			unitCode: unit.code,
			unitName: unit.name
		})
		.from(comment)
		.leftJoin(unit, eq(comment.unitId, unit.id))
		.where(and(...where))
		.orderBy(desc(comment.id))
		.limit(limit + 1);
	return {
		items: rows.slice(0, limit).map((r) => ({
			id: r.id,
			unitCode: r.unitCode,
			unitName: r.unitName,
			text: r.redacted ?? redactComment(r.body).text,
			found: redactComment(r.body).found,
			moderation: r.moderation as Moderation,
			hiddenReason: r.hiddenReason,
			createdAt: r.createdAt
		})),
		nextBefore: rows.length > limit ? rows[limit - 1].id : null
	};
}

/** Counts per moderation state, for the console's filter. */
export async function commentCounts(
	db: DbOrTx,
	cycleId: number
): Promise<Record<Moderation, number>> {
	const rows = await db
		.select({ moderation: comment.moderation, n: sql<number>`count(*)::int`.mapWith(Number) })
		.from(comment)
		.where(inArray(comment.surveyId, cycleSurveys(db, cycleId)))
		.groupBy(comment.moderation);
	const out: Record<Moderation, number> = { pending: 0, shown: 0, hidden: 0 };
	for (const r of rows) out[r.moderation as Moderation] = r.n;
	return out;
}

/** Shows or hides one comment (hiding needs a reason); logged with the reason. */
export async function moderateComment(
	db: DbOrTx,
	actor: Actor,
	cycleId: number,
	commentId: number,
	action: 'show' | 'hide',
	reason?: string
): Promise<void> {
	if (action === 'hide' && !reason?.trim()) {
		throw new ValidationError('reason_required', [{ path: 'reason', message: 'reason_required' }]);
	}
	await getCycle(db, cycleId);
	if (!Number.isSafeInteger(commentId) || commentId <= 0) {
		throw new NotFoundError('comment_not_found');
	}
	await redactPendingComments(db, cycleId);
	const [row] = await db
		.update(comment)
		.set({
			moderation: action === 'show' ? 'shown' : 'hidden',
			hiddenReason: action === 'hide' ? reason!.trim() : null
		})
		.where(and(eq(comment.id, commentId), inArray(comment.surveyId, cycleSurveys(db, cycleId))))
		.returning({ id: comment.id, unitId: comment.unitId });
	if (!row) throw new NotFoundError('comment_not_found');
	await appendAudit(db, actor, {
		action: action === 'show' ? 'comment.show' : 'comment.hide',
		targetType: 'comment',
		targetId: commentId,
		cycleId,
		detail: action === 'hide' ? { reason: reason!.trim() } : undefined
	});
}

/** Approves every pending comment of the cycle (after reading them); logged as one entry. */
export async function showAllPending(db: DbOrTx, actor: Actor, cycleId: number): Promise<number> {
	await getCycle(db, cycleId);
	await redactPendingComments(db, cycleId);
	const rows = await db
		.update(comment)
		.set({ moderation: 'shown' })
		.where(
			and(eq(comment.moderation, 'pending'), inArray(comment.surveyId, cycleSurveys(db, cycleId)))
		)
		.returning({ id: comment.id });
	await appendAudit(db, actor, {
		action: 'comment.show_all',
		targetType: 'cycle',
		targetId: cycleId,
		cycleId,
		detail: { comments: rows.length }
	});
	return rows.length;
}

export interface UnitComment {
	id: number;
	text: string;
	createdAt: Date;
}

/**
 * The comments a unit may read: its own, redacted, not hidden, and approved when the cycle asks
 * for approval. Redaction of new comments runs first, so nothing unredacted is ever returned.
 */
export async function unitComments(
	db: DbOrTx,
	cycleId: number,
	unitId: number,
	options: { limit?: number; id?: number } = {}
): Promise<UnitComment[]> {
	await redactPendingComments(db, cycleId);
	const settings = await getFeedbackSettings(db, cycleId);
	const rows = await db
		.select({ id: comment.id, redacted: comment.redacted, createdAt: comment.createdAt })
		.from(comment)
		.where(
			and(
				eq(comment.unitId, unitId),
				inArray(comment.surveyId, cycleSurveys(db, cycleId)),
				sql`${comment.redacted} is not null`,
				settings.requireApproval
					? eq(comment.moderation, 'shown')
					: ne(comment.moderation, 'hidden'),
				options.id ? eq(comment.id, options.id) : undefined
			)
		)
		.orderBy(desc(comment.id))
		.limit(Math.min(options.limit ?? 500, 2000));
	return rows.map((r) => ({ id: r.id, text: r.redacted as string, createdAt: r.createdAt }));
}
