import { and, asc, eq, inArray } from 'drizzle-orm';
import type { DbOrTx } from '../db/client';
import { area, unit, type Area } from '../db/schema';
import { appendAudit, type Actor } from '../audit/audit-log';
import { ConflictError, NotFoundError, ValidationError } from '../errors';
import { checkAreaTree, type AreaInput } from '$lib/schemas/cycle';
import { getWritableCycle } from './cycles';
import type { RowError } from '../imports/row-error';

export interface AreaWithParent extends Area {
	parentCode: string | null;
}

export async function listAreas(db: DbOrTx, cycleId: number): Promise<AreaWithParent[]> {
	const rows = await db
		.select()
		.from(area)
		.where(eq(area.cycleId, cycleId))
		.orderBy(asc(area.sort), asc(area.id));
	const codeOf = new Map(rows.map((r) => [r.id, r.code]));
	return rows.map((r) => ({
		...r,
		parentCode: r.parentId ? (codeOf.get(r.parentId) ?? null) : null
	}));
}

/**
 * Inserts areas all-or-nothing, parents before children, whatever the order of the input.
 * Problems are reported per input index with the field at fault.
 */
export async function insertAreas(
	db: DbOrTx,
	actor: Actor,
	cycleId: number,
	inputs: AreaInput[],
	source: string
): Promise<number> {
	await getWritableCycle(db, cycleId);
	const existing = await listAreas(db, cycleId);
	const existingCodes = new Set(existing.map((a) => a.code));
	const problems: RowError[] = checkAreaTree(inputs, existingCodes).map((p) => ({
		row: p.index,
		column: p.field,
		message: p.message
	}));
	if (problems.length) throw new AreaImportError(problems);
	const idOf = new Map(existing.map((a) => [a.code, a.id]));
	const pending = [...inputs];
	// Rows keep the order they were given in (the export returns the same document).
	const sortOf = new Map(inputs.map((a, i) => [a, existing.length + i]));
	while (pending.length) {
		const ready = pending.filter((a) => !a.parent || idOf.has(a.parent));
		// checkAreaTree rules out cycles and unknown parents, so each pass makes progress.
		const rows = await db
			.insert(area)
			.values(
				ready.map((a) => ({
					cycleId,
					code: a.code,
					name: a.name,
					population: a.population,
					parentId: a.parent ? idOf.get(a.parent)! : null,
					sort: sortOf.get(a)!
				}))
			)
			.returning({ id: area.id, code: area.code });
		for (const r of rows) idOf.set(r.code, r.id);
		for (const a of ready) pending.splice(pending.indexOf(a), 1);
	}
	await appendAudit(db, actor, {
		action: 'area.import',
		targetType: 'area',
		cycleId,
		detail: { count: inputs.length, source }
	});
	return inputs.length;
}

export class AreaImportError extends ValidationError {
	constructor(readonly rows: RowError[]) {
		super(
			'import_failed',
			rows.map((r) => ({ path: `${r.row}.${r.column}`, message: r.message }))
		);
	}
}

export async function updateArea(
	db: DbOrTx,
	actor: Actor,
	cycleId: number,
	code: string,
	input: Omit<AreaInput, 'code'>
): Promise<void> {
	await getWritableCycle(db, cycleId);
	const areas = await listAreas(db, cycleId);
	const target = areas.find((a) => a.code === code);
	if (!target) throw new NotFoundError('area_not_found');
	const tree = areas.map((a) =>
		a.code === code
			? { code, parent: input.parent ?? null }
			: { code: a.code, parent: a.parentCode }
	);
	const problems = checkAreaTree(tree);
	if (problems.length) {
		throw new ValidationError(problems[0].message, [
			{ path: 'parent', message: problems[0].message }
		]);
	}
	const parentId = input.parent ? areas.find((a) => a.code === input.parent)!.id : null;
	await db
		.update(area)
		.set({ name: input.name, population: input.population, parentId })
		.where(eq(area.id, target.id));
	await appendAudit(db, actor, {
		action: 'area.update',
		targetType: 'area',
		targetId: code,
		cycleId,
		detail: {
			before: { name: target.name, population: target.population, parent: target.parentCode },
			after: input
		}
	});
}

export async function deleteArea(db: DbOrTx, actor: Actor, cycleId: number, code: string) {
	await getWritableCycle(db, cycleId);
	const [target] = await db
		.select()
		.from(area)
		.where(and(eq(area.cycleId, cycleId), eq(area.code, code)));
	if (!target) throw new NotFoundError('area_not_found');
	const [child] = await db
		.select({ id: area.id })
		.from(area)
		.where(eq(area.parentId, target.id))
		.limit(1);
	if (child) throw new ConflictError('area_has_children');
	await db
		.update(unit)
		.set({ areaId: null })
		.where(inArray(unit.areaId, [target.id]));
	await db.delete(area).where(eq(area.id, target.id));
	await appendAudit(db, actor, {
		action: 'area.delete',
		targetType: 'area',
		targetId: code,
		cycleId
	});
}
