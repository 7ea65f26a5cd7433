import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createTestDb } from '$lib/server/db/testing';
import type { Db, DbHandle } from '$lib/server/db/client';
import { auditLog } from '$lib/server/db/schema';
import { desc } from 'drizzle-orm';
import { createCycle } from '$lib/server/cycles/cycles';
import { createCategory } from '$lib/server/cycles/categories';
import { upsertGroup } from '$lib/server/cycles/groups';
import { insertAreas, listAreas } from '$lib/server/cycles/areas';
import { listUnits } from '$lib/server/cycles/units';
import { importCycleFile, ImportRowsError, type ImportKind } from '$lib/server/cycles/bulk-import';
import { templateCsv, templateXlsx } from '$lib/server/cycles/import-templates';
import type { RowError } from '$lib/server/imports/row-error';
import { admin, countAllRows } from '../fixtures/db';
import { csvBytes, garbageBytes, xlsxBytes } from '../fixtures/spreadsheets';

let handle: DbHandle;
let db: Db;
let cycleId: number;

beforeAll(async () => {
	handle = await createTestDb();
	db = handle.db;
});
afterAll(async () => {
	await handle?.close();
});

beforeEach(async () => {
	const c = await createCycle(db, admin, { name: '导入测试', year: 2025 });
	cycleId = c.id;
	await upsertGroup(db, admin, cycleId, { code: 'residents', label: '群众', identity: 'link' });
	await createCategory(db, admin, cycleId, {
		code: 'township',
		name: '乡镇',
		weights: { residents: 1 }
	});
	await createCategory(db, admin, cycleId, {
		code: 'frontline',
		name: '窗口',
		weights: { residents: 1 }
	});
	await insertAreas(
		db,
		admin,
		cycleId,
		[{ code: 'TW01', name: '河口镇', population: 21500 }],
		'test'
	);
});

/** Runs an import that must fail; checks that not one row (of any table) was written. */
async function failedImport(
	kind: ImportKind,
	filename: string,
	bytes: Uint8Array
): Promise<RowError[]> {
	const before = await countAllRows(db);
	const err = await importCycleFile(db, admin, cycleId, kind, filename, bytes).then(
		(r) => new Error(`import succeeded: ${JSON.stringify(r)}`),
		(e: unknown) => e
	);
	expect(err).toBeInstanceOf(ImportRowsError);
	expect(await countAllRows(db)).toEqual(before);
	return (err as ImportRowsError).errors;
}

describe('importCycleFile: good files', () => {
	it('imports units from a CSV with Chinese headers, a BOM, quotes and a blank line', async () => {
		const bytes = csvBytes([
			['编码', '名称', '类别', '片区', '备注'],
			['TW01', '河口镇', 'township', 'TW01', '任意'],
			['D01', '县公安局, 交警大队', 'frontline', '', ''],
			[],
			['D02', '县"政务"中心', 'frontline', '', '']
		]);
		expect(await importCycleFile(db, admin, cycleId, 'units', 'units.csv', bytes)).toEqual({
			imported: 3
		});
		const units = await listUnits(db, cycleId);
		expect(units.map((u) => [u.code, u.name, u.categoryCode, u.areaCode])).toEqual([
			['TW01', '河口镇', 'township', 'TW01'],
			['D01', '县公安局, 交警大队', 'frontline', null],
			['D02', '县"政务"中心', 'frontline', null]
		]);
		const [entry] = await db.select().from(auditLog).orderBy(desc(auditLog.id)).limit(1);
		expect(entry).toMatchObject({ action: 'unit.import', actorLabel: admin.label, cycleId });
		expect(entry.detail).toEqual({ count: 3, source: 'file:units.csv' });
	});

	it('imports an area tree from XLSX with numeric cells, children above their parents', async () => {
		const bytes = await xlsxBytes([
			['编码', '名称(必填)', '上级编码', '常住人口'],
			['TW02-01', '石桥社区', 'TW02', 4200],
			['TW02', '石桥镇', null, 18000],
			['TW01-01', '河口社区', 'TW01', '5200'],
			[],
			['TW02-02', '高岭村', 'TW02', 0]
		]);
		expect(await importCycleFile(db, admin, cycleId, 'areas', 'areas.xlsx', bytes)).toEqual({
			imported: 4
		});
		const areas = await listAreas(db, cycleId);
		expect(areas.map((a) => [a.code, a.parentCode, a.population])).toEqual([
			['TW01', null, 21500],
			['TW02-01', 'TW02', 4200],
			['TW02', null, 18000],
			['TW01-01', 'TW01', 5200],
			['TW02-02', 'TW02', 0]
		]);
	});

	it('imports units from XLSX with English headers in another order', async () => {
		const bytes = await xlsxBytes([
			['Category', 'Name', 'Code'],
			['township', '河口镇', 'TW01'],
			['frontline', '县公安局', 'D01']
		]);
		await importCycleFile(db, admin, cycleId, 'units', 'u.xlsx', bytes);
		expect((await listUnits(db, cycleId)).map((u) => u.code)).toEqual(['TW01', 'D01']);
	});
});

describe('importCycleFile: templates', () => {
	it('imports the area and unit templates as downloaded', async () => {
		const c = await createCycle(db, admin, { name: '模板', year: 2025 });
		await upsertGroup(db, admin, c.id, { code: 'residents', label: '群众', identity: 'link' });
		await createCategory(db, admin, c.id, {
			code: 'township',
			name: '乡镇',
			weights: { residents: 1 }
		});
		await createCategory(db, admin, c.id, {
			code: 'frontline',
			name: '窗口',
			weights: { residents: 1 }
		});
		expect(
			await importCycleFile(
				db,
				admin,
				c.id,
				'areas',
				'areas.xlsx',
				new Uint8Array(await templateXlsx('areas'))
			)
		).toEqual({ imported: 2 });
		expect(
			await importCycleFile(
				db,
				admin,
				c.id,
				'units',
				'units.csv',
				new TextEncoder().encode(templateCsv('units'))
			)
		).toEqual({ imported: 2 });
	});
});

describe('importCycleFile: bad files are refused with row-level errors and nothing written', () => {
	it('wrong columns: every missing required column, on line 1', async () => {
		const errors = await failedImport(
			'units',
			'units.csv',
			csvBytes([
				['单位', '描述'],
				['TW01', '河口镇']
			])
		);
		expect(errors).toEqual([
			{ row: 1, column: 'code', message: 'missing_column' },
			{ row: 1, column: 'name', message: 'missing_column' },
			{ row: 1, column: 'category', message: 'missing_column' }
		]);
		const areaErrors = await failedImport(
			'areas',
			'areas.xlsx',
			await xlsxBytes([
				['编码', '名称'],
				['TW09', '新镇']
			])
		);
		expect(areaErrors).toEqual([{ row: 1, column: 'population', message: 'missing_column' }]);
	});

	it('empty files: zero bytes, a header without rows, an empty workbook', async () => {
		expect(await failedImport('units', 'units.csv', new Uint8Array())).toEqual([
			{ row: 0, column: '', message: 'empty_file' }
		]);
		expect(await failedImport('units', 'units.xlsx', new Uint8Array())).toEqual([
			{ row: 0, column: '', message: 'empty_file' }
		]);
		expect(await failedImport('units', 'units.csv', csvBytes([['编码', '名称', '类别']]))).toEqual([
			{ row: 2, column: '', message: 'no_rows' }
		]);
		expect(
			await failedImport('areas', 'areas.xlsx', await xlsxBytes([['编码', '名称', '人口'], [], []]))
		).toEqual([{ row: 2, column: '', message: 'no_rows' }]);
		const errors = await failedImport('units', 'units.xlsx', await xlsxBytes([]));
		expect(errors.map((e) => e.message)).toEqual(['empty_file']);
	});

	it('10 MB of random garbage, whatever it is called', async () => {
		const garbage = garbageBytes(10 * 1024 * 1024);
		for (const name of ['units.csv', 'units.xlsx', 'units.bin']) {
			expect(await failedImport('units', name, garbage)).toEqual([
				{ row: 0, column: '', message: 'file_too_large' }
			]);
		}
	});

	it('smaller garbage: unreadable as XLSX, not UTF-8 as CSV, a zip that is no workbook', async () => {
		const garbage = garbageBytes(512 * 1024, 7);
		expect(await failedImport('units', 'units.xlsx', garbage)).toEqual([
			{ row: 0, column: '', message: 'unreadable_file' }
		]);
		expect(await failedImport('units', 'units.csv', garbage)).toEqual([
			{ row: 0, column: '', message: 'not_utf8' }
		]);
		const fakeZip = new Uint8Array([0x50, 0x4b, 0x03, 0x04, ...garbageBytes(4096, 3)]);
		expect(await failedImport('areas', 'areas.csv', fakeZip)).toEqual([
			{ row: 0, column: '', message: 'unreadable_file' }
		]);
		const nul = new TextEncoder().encode('编码,名称,类别\nA\u0000,b,c\n');
		expect((await failedImport('units', 'units.csv', nul)).map((e) => e.message)).toEqual([
			'unreadable_file'
		]);
	});

	it('a formula in an XLSX cell, and a formula-like CSV cell, are refused where they are', async () => {
		const errors = await failedImport(
			'areas',
			'areas.xlsx',
			await xlsxBytes([
				['编码', '名称', '上级', '人口'],
				['TW05', '桃源镇', null, 1000],
				['TW05-01', '桃花村', 'TW05', { formula: 'D2/2', result: 500 }],
				['TW05-02', { formula: 'CONCAT("杏","林村")', result: '杏林村' }, 'TW05', 300]
			])
		);
		expect(errors).toEqual([
			{ row: 3, column: 'population', message: 'formula_not_allowed' },
			{ row: 4, column: 'name', message: 'formula_not_allowed' }
		]);
		const csvErrors = await failedImport(
			'units',
			'units.csv',
			csvBytes([
				['编码', '名称', '类别'],
				['TW09', '=HYPERLINK("http://x","y")', 'township'],
				['TW10', ' =1+1', 'township']
			])
		);
		expect(csvErrors).toEqual([
			{ row: 2, column: 'name', message: 'formula_not_allowed' },
			{ row: 3, column: 'name', message: 'formula_not_allowed' }
		]);
	});

	it('duplicate unit codes, in the file and against the cycle, by line', async () => {
		await importCycleFile(
			db,
			admin,
			cycleId,
			'units',
			'first.csv',
			csvBytes([
				['编码', '名称', '类别'],
				['OLD', '已有单位', 'township']
			])
		);
		const errors = await failedImport(
			'units',
			'units.csv',
			csvBytes([
				['编码', '名称', '类别'],
				['U1', '一', 'township'],
				['U2', '二', 'township'],
				['U1', '一又', 'frontline'],
				[],
				['OLD', '旧', 'township']
			])
		);
		expect(errors).toEqual([
			{ row: 4, column: 'code', message: 'duplicate_code' },
			{ row: 6, column: 'code', message: 'duplicate_code' }
		]);
	});

	it('unknown parent area, by line (children may still come first)', async () => {
		const errors = await failedImport(
			'areas',
			'areas.xlsx',
			await xlsxBytes([
				['编码', '名称', '上级', '人口'],
				['TW03-01', '一村', 'TW03', 10],
				['TW03', '三镇', null, 100],
				['TW04-01', '二村', 'TW04', 10],
				['TW01-09', '九村', 'TW01', 10]
			])
		);
		expect(errors).toEqual([{ row: 4, column: 'parent', message: 'unknown_parent_area' }]);
	});

	it('unknown category and area of units, by line and column', async () => {
		const errors = await failedImport(
			'units',
			'units.xlsx',
			await xlsxBytes([
				['编码', '名称', '类别', '片区'],
				['TW01', '河口镇', 'township', 'TW01'],
				['TW02', '石桥镇', 'towns', 'TW01'],
				['TW03', '三镇', 'township', 'TW99']
			])
		);
		expect(errors).toEqual([
			{ row: 3, column: 'category', message: 'unknown_category' },
			{ row: 4, column: 'area', message: 'unknown_area' }
		]);
	});

	it('every bad cell of every row is listed, with the line Excel shows', async () => {
		const errors = await failedImport(
			'areas',
			'areas.csv',
			csvBytes([
				['编码', '名称', '上级', '人口'],
				['TW06', '六镇', '', '-3'],
				['TW07', '', '', '12.5'],
				['bad code', '坏', '', 'lots'],
				['TW08', '八镇', '', '100']
			])
		);
		expect(errors).toEqual([
			{ row: 2, column: 'population', message: 'population_negative' },
			{ row: 3, column: 'name', message: 'required' },
			{ row: 3, column: 'population', message: 'must_be_integer' },
			{ row: 4, column: 'code', message: 'invalid_code' },
			{ row: 4, column: 'population', message: 'must_be_number' }
		]);
	});

	it('an unterminated quote in a CSV is reported, not thrown', async () => {
		const bytes = new TextEncoder().encode('编码,名称,类别\nTW01,"河口镇,township\n');
		const errors = await failedImport('units', 'units.csv', bytes);
		expect(errors.map((e) => e.message)).toEqual(['malformed_csv']);
	});
});
