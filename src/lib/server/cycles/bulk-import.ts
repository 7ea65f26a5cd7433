import type { z } from 'zod';
import type { Db } from '../db/client';
import type { Actor } from '../audit/audit-log';
import {
	areaInputSchema,
	unitInputSchema,
	type AreaInput,
	type UnitInput
} from '$lib/schemas/cycle';
import { ImportFileError, readSpreadsheet, type SheetRow } from '../imports/spreadsheet';
import type { RowError } from '../imports/row-error';
import { AreaImportError, insertAreas } from './areas';
import { insertUnits, UnitImportError } from './units';

export type ImportKind = 'units' | 'areas';

/** Accepted headers (lower-cased) → canonical column. Chinese first: that is what the office types. */
export const importColumns: Record<
	ImportKind,
	{ columns: string[]; required: string[]; aliases: Record<string, string> }
> = {
	units: {
		columns: ['code', 'name', 'category', 'area'],
		required: ['code', 'name', 'category'],
		aliases: {
			编码: 'code',
			单位编码: 'code',
			code: 'code',
			名称: 'name',
			单位名称: 'name',
			name: 'name',
			类别: 'category',
			类别编码: 'category',
			category: 'category',
			片区: 'area',
			片区编码: 'area',
			area: 'area'
		}
	},
	areas: {
		columns: ['code', 'name', 'parent', 'population'],
		required: ['code', 'name', 'population'],
		aliases: {
			编码: 'code',
			片区编码: 'code',
			code: 'code',
			名称: 'name',
			片区名称: 'name',
			name: 'name',
			上级: 'parent',
			上级编码: 'parent',
			parent: 'parent',
			人口: 'population',
			常住人口: 'population',
			population: 'population'
		}
	}
};

export interface ImportResult {
	imported: number;
}

export class ImportRowsError extends Error {
	constructor(readonly errors: RowError[]) {
		super('import_failed');
	}
}

function validateRows<S extends z.ZodType>(rows: SheetRow[], schema: S): z.infer<S>[] {
	const errors: RowError[] = [];
	const values: z.infer<S>[] = [];
	for (const r of rows) {
		const input = Object.fromEntries(
			Object.entries(r.cells).map(([k, v]) => [k, v === '' ? undefined : v])
		);
		const parsed = schema.safeParse(input);
		if (parsed.success) values.push(parsed.data);
		else {
			for (const issue of parsed.error.issues) {
				errors.push({
					row: r.line,
					column: issue.path.map(String).join('.'),
					message: issue.message
				});
			}
		}
	}
	if (errors.length) throw new ImportRowsError(errors);
	return values;
}

/**
 * Imports a CSV/XLSX file of units or areas into a cycle: every row validated, every problem
 * reported by line and column, and nothing written unless every row is good.
 */
export async function importCycleFile(
	db: Db,
	actor: Actor,
	cycleId: number,
	kind: ImportKind,
	filename: string,
	bytes: Uint8Array
): Promise<ImportResult> {
	const spec = importColumns[kind];
	let rows: SheetRow[];
	try {
		rows = await readSpreadsheet(bytes, filename, spec.aliases, spec.required);
	} catch (err) {
		if (err instanceof ImportFileError) throw new ImportRowsError(err.errors);
		throw err;
	}
	const lineOf = (i: number) => rows[i].line;
	try {
		if (kind === 'units') {
			const values: UnitInput[] = validateRows(rows, unitInputSchema);
			const n = await db.transaction((tx) =>
				insertUnits(tx, actor, cycleId, values, `file:${filename}`, lineOf)
			);
			return { imported: n };
		}
		const values: AreaInput[] = validateRows(rows, areaInputSchema);
		const n = await db.transaction((tx) =>
			insertAreas(tx, actor, cycleId, values, `file:${filename}`)
		);
		return { imported: n };
	} catch (err) {
		if (err instanceof UnitImportError) throw new ImportRowsError(err.rows);
		if (err instanceof AreaImportError) {
			throw new ImportRowsError(err.rows.map((r) => ({ ...r, row: lineOf(r.row) })));
		}
		throw err;
	}
}
