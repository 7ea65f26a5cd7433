import { and, desc, eq, gte, ilike, lt, lte, or, type SQL } from 'drizzle-orm';
import type { DbOrTx } from '../db/client';
import { auditLog } from '../db/schema';

/** Who did something: a signed-in user, a token's owner, or the system itself. */
export interface Actor {
	id: number | null;
	label: string;
}

export const systemActor: Actor = { id: null, label: 'system' };

export interface AuditInput {
	action: string;
	targetType: string;
	targetId?: string | number | null;
	cycleId?: number | null;
	detail?: Record<string, unknown>;
}

export async function appendAudit(db: DbOrTx, actor: Actor, entry: AuditInput): Promise<void> {
	await db.insert(auditLog).values({
		actorId: actor.id,
		actorLabel: actor.label,
		action: entry.action,
		targetType: entry.targetType,
		targetId: entry.targetId == null ? null : String(entry.targetId),
		cycleId: entry.cycleId ?? null,
		detail: entry.detail ?? null
	});
}

export interface AuditFilter {
	action?: string;
	actor?: string;
	targetType?: string;
	from?: Date;
	to?: Date;
	/** Entries with an id below this (keyset paging, newest first). */
	before?: number;
	limit?: number;
}

export async function listAudit(db: DbOrTx, filter: AuditFilter) {
	const where: SQL[] = [];
	if (filter.action) where.push(ilike(auditLog.action, `${escapeLike(filter.action)}%`));
	if (filter.targetType) where.push(eq(auditLog.targetType, filter.targetType));
	if (filter.actor) {
		const like = `%${escapeLike(filter.actor)}%`;
		const cond = or(ilike(auditLog.actorLabel, like));
		if (cond) where.push(cond);
	}
	if (filter.from) where.push(gte(auditLog.at, filter.from));
	if (filter.to) where.push(lte(auditLog.at, filter.to));
	if (filter.before) where.push(lt(auditLog.id, filter.before));
	const limit = Math.min(Math.max(filter.limit ?? 50, 1), 500);
	const rows = await db
		.select()
		.from(auditLog)
		.where(where.length ? and(...where) : undefined)
		.orderBy(desc(auditLog.id))
		.limit(limit + 1);
	return {
		items: rows.slice(0, limit),
		nextBefore: rows.length > limit ? rows[limit - 1].id : null
	};
}

export async function distinctAuditActions(db: DbOrTx): Promise<string[]> {
	const rows = await db
		.selectDistinct({ action: auditLog.action })
		.from(auditLog)
		.orderBy(auditLog.action);
	return rows.map((r) => r.action);
}

function escapeLike(s: string): string {
	return s.replace(/[\\%_]/g, (c) => '\\' + c);
}
