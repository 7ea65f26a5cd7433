import { and, asc, eq } from 'drizzle-orm';
import type { DbOrTx } from '../db/client';
import { category, group, unit, type Category } from '../db/schema';
import { appendAudit, type Actor } from '../audit/audit-log';
import { ConflictError, NotFoundError, ValidationError } from '../errors';
import type { CategoryInput } from '$lib/schemas/cycle';
import { getWritableCycle } from './cycles';

export async function listCategories(db: DbOrTx, cycleId: number): Promise<Category[]> {
	return db
		.select()
		.from(category)
		.where(eq(category.cycleId, cycleId))
		.orderBy(asc(category.sort), asc(category.code));
}

/** Weights may only name groups the cycle has. */
async function checkWeightGroups(db: DbOrTx, cycleId: number, weights: Record<string, number>) {
	const groups = await db
		.select({ code: group.code })
		.from(group)
		.where(eq(group.cycleId, cycleId));
	const known = new Set(groups.map((g) => g.code));
	const unknown = Object.keys(weights).filter((g) => !known.has(g));
	if (unknown.length) {
		throw new ValidationError(
			'unknown_group',
			unknown.map((g) => ({ path: `weights.${g}`, message: 'unknown_group' }))
		);
	}
}

export async function createCategory(
	db: DbOrTx,
	actor: Actor,
	cycleId: number,
	input: CategoryInput
): Promise<Category> {
	await getWritableCycle(db, cycleId);
	await checkWeightGroups(db, cycleId, input.weights);
	const [row] = await db
		.insert(category)
		.values({ cycleId, code: input.code, name: input.name, weights: input.weights })
		.onConflictDoNothing()
		.returning();
	if (!row) {
		throw new ConflictError('duplicate_code', [{ path: 'code', message: 'duplicate_code' }]);
	}
	await appendAudit(db, actor, {
		action: 'category.create',
		targetType: 'category',
		targetId: input.code,
		cycleId,
		detail: { name: input.name, weights: input.weights }
	});
	return row;
}

export async function updateCategory(
	db: DbOrTx,
	actor: Actor,
	cycleId: number,
	code: string,
	input: Omit<CategoryInput, 'code'>
): Promise<Category> {
	await getWritableCycle(db, cycleId);
	await checkWeightGroups(db, cycleId, input.weights);
	const [before] = await db
		.select()
		.from(category)
		.where(and(eq(category.cycleId, cycleId), eq(category.code, code)));
	if (!before) throw new NotFoundError('category_not_found');
	const [row] = await db
		.update(category)
		.set({ name: input.name, weights: input.weights })
		.where(eq(category.id, before.id))
		.returning();
	await appendAudit(db, actor, {
		action: 'category.update',
		targetType: 'category',
		targetId: code,
		cycleId,
		detail: { before: { name: before.name, weights: before.weights }, after: input }
	});
	return row;
}

export async function deleteCategory(db: DbOrTx, actor: Actor, cycleId: number, code: string) {
	await getWritableCycle(db, cycleId);
	const [row] = await db
		.select()
		.from(category)
		.where(and(eq(category.cycleId, cycleId), eq(category.code, code)));
	if (!row) throw new NotFoundError('category_not_found');
	const [used] = await db
		.select({ id: unit.id })
		.from(unit)
		.where(eq(unit.categoryId, row.id))
		.limit(1);
	if (used) throw new ConflictError('category_has_units');
	await db.delete(category).where(eq(category.id, row.id));
	await appendAudit(db, actor, {
		action: 'category.delete',
		targetType: 'category',
		targetId: code,
		cycleId
	});
}
