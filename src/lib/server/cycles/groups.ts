import { and, asc, eq } from 'drizzle-orm';
import type { DbOrTx } from '../db/client';
import { category, group, type Group } from '../db/schema';
import { appendAudit, type Actor } from '../audit/audit-log';
import { ConflictError, NotFoundError } from '../errors';
import type { GroupInput } from '$lib/schemas/cycle';
import { getWritableCycle } from './cycles';

/** Deputies need fewer answers to count (DESIGN.md §6): 15 against 30 for the public groups. */
export function defaultMinValid(code: string): number {
	return code === 'deputies' ? 15 : 30;
}

export async function listGroups(db: DbOrTx, cycleId: number): Promise<Group[]> {
	return db
		.select()
		.from(group)
		.where(eq(group.cycleId, cycleId))
		.orderBy(asc(group.sort), asc(group.id));
}

export async function upsertGroup(
	db: DbOrTx,
	actor: Actor,
	cycleId: number,
	input: GroupInput
): Promise<Group> {
	await getWritableCycle(db, cycleId);
	const values = {
		label: input.label,
		identity: input.identity,
		minValid: input.minValid ?? defaultMinValid(input.code),
		subgroups: input.subgroups ?? []
	};
	const [row] = await db
		.insert(group)
		.values({ cycleId, code: input.code, ...values })
		.onConflictDoUpdate({ target: [group.cycleId, group.code], set: values })
		.returning();
	await appendAudit(db, actor, {
		action: 'group.save',
		targetType: 'group',
		targetId: input.code,
		cycleId,
		detail: values
	});
	return row;
}

export async function deleteGroup(db: DbOrTx, actor: Actor, cycleId: number, code: string) {
	await getWritableCycle(db, cycleId);
	const categories = await db.select().from(category).where(eq(category.cycleId, cycleId));
	const using = categories.filter((c) => code in c.weights).map((c) => c.code);
	if (using.length) throw new ConflictError(`group_in_weights: ${using.join(', ')}`);
	const rows = await db
		.delete(group)
		.where(and(eq(group.cycleId, cycleId), eq(group.code, code)))
		.returning({ id: group.id });
	if (!rows.length) throw new NotFoundError('group_not_found');
	await appendAudit(db, actor, {
		action: 'group.delete',
		targetType: 'group',
		targetId: code,
		cycleId
	});
}
