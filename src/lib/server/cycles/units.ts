import { and, asc, eq } from 'drizzle-orm';
import type { DbOrTx } from '../db/client';
import { area, category, unit } from '../db/schema';
import { appendAudit, type Actor } from '../audit/audit-log';
import { NotFoundError, ValidationError } from '../errors';
import type { UnitInput } from '$lib/schemas/cycle';
import { getWritableCycle } from './cycles';
import type { RowError } from '../imports/row-error';

export interface UnitRow {
	id: number;
	code: string;
	name: string;
	categoryCode: string;
	categoryName: string;
	areaCode: string | null;
	sort: number;
}

export async function listUnits(db: DbOrTx, cycleId: number): Promise<UnitRow[]> {
	return db
		.select({
			id: unit.id,
			code: unit.code,
			name: unit.name,
			categoryCode: category.code,
			categoryName: category.name,
			areaCode: area.code,
			sort: unit.sort
		})
		.from(unit)
		.innerJoin(category, eq(unit.categoryId, category.id))
		.leftJoin(area, eq(unit.areaId, area.id))
		.where(eq(unit.cycleId, cycleId))
		.orderBy(asc(category.sort), asc(unit.sort), asc(unit.code));
}

async function lookups(db: DbOrTx, cycleId: number) {
	const cats = await db.select().from(category).where(eq(category.cycleId, cycleId));
	const areas = await db.select().from(area).where(eq(area.cycleId, cycleId));
	return {
		categoryId: new Map(cats.map((c) => [c.code, c.id])),
		areaId: new Map(areas.map((a) => [a.code, a.id]))
	};
}

export class UnitImportError extends ValidationError {
	constructor(readonly rows: RowError[]) {
		super(
			'import_failed',
			rows.map((r) => ({ path: `${r.row}.${r.column}`, message: r.message }))
		);
	}
}

/** Inserts units all-or-nothing; `rowOf(i)` maps an input index to the line the user sees. */
export async function insertUnits(
	db: DbOrTx,
	actor: Actor,
	cycleId: number,
	inputs: UnitInput[],
	source: string,
	rowOf: (index: number) => number = (i) => i
): Promise<number> {
	await getWritableCycle(db, cycleId);
	const { categoryId, areaId } = await lookups(db, cycleId);
	const existing = new Set((await listUnits(db, cycleId)).map((u) => u.code));
	const seen = new Set<string>();
	const problems: RowError[] = [];
	inputs.forEach((u, i) => {
		if (existing.has(u.code) || seen.has(u.code)) {
			problems.push({ row: rowOf(i), column: 'code', message: 'duplicate_code' });
		}
		seen.add(u.code);
		if (!categoryId.has(u.category)) {
			problems.push({ row: rowOf(i), column: 'category', message: 'unknown_category' });
		}
		if (u.area && !areaId.has(u.area)) {
			problems.push({ row: rowOf(i), column: 'area', message: 'unknown_area' });
		}
	});
	if (problems.length) throw new UnitImportError(problems);
	if (!inputs.length) return 0;
	let sort = existing.size;
	await db.insert(unit).values(
		inputs.map((u) => ({
			cycleId,
			code: u.code,
			name: u.name,
			categoryId: categoryId.get(u.category)!,
			areaId: u.area ? areaId.get(u.area)! : null,
			sort: sort++
		}))
	);
	await appendAudit(db, actor, {
		action: inputs.length === 1 ? 'unit.create' : 'unit.import',
		targetType: 'unit',
		targetId: inputs.length === 1 ? inputs[0].code : null,
		cycleId,
		detail: { count: inputs.length, source }
	});
	return inputs.length;
}

export async function updateUnit(
	db: DbOrTx,
	actor: Actor,
	cycleId: number,
	code: string,
	input: Omit<UnitInput, 'code'>
): Promise<void> {
	await getWritableCycle(db, cycleId);
	const { categoryId, areaId } = await lookups(db, cycleId);
	const fields: { path: string; message: string }[] = [];
	if (!categoryId.has(input.category)) {
		fields.push({ path: 'category', message: 'unknown_category' });
	}
	if (input.area && !areaId.has(input.area)) fields.push({ path: 'area', message: 'unknown_area' });
	if (fields.length) throw new ValidationError('invalid_input', fields);
	const rows = await db
		.update(unit)
		.set({
			name: input.name,
			categoryId: categoryId.get(input.category)!,
			areaId: input.area ? areaId.get(input.area)! : null
		})
		.where(and(eq(unit.cycleId, cycleId), eq(unit.code, code)))
		.returning({ id: unit.id });
	if (!rows.length) throw new NotFoundError('unit_not_found');
	await appendAudit(db, actor, {
		action: 'unit.update',
		targetType: 'unit',
		targetId: code,
		cycleId,
		detail: { after: input }
	});
}

export async function deleteUnit(db: DbOrTx, actor: Actor, cycleId: number, code: string) {
	await getWritableCycle(db, cycleId);
	const rows = await db
		.delete(unit)
		.where(and(eq(unit.cycleId, cycleId), eq(unit.code, code)))
		.returning({ id: unit.id });
	if (!rows.length) throw new NotFoundError('unit_not_found');
	await appendAudit(db, actor, {
		action: 'unit.delete',
		targetType: 'unit',
		targetId: code,
		cycleId
	});
}
