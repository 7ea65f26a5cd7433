import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { eq } from 'drizzle-orm';
import { createTestDb } from '$lib/server/db/testing';
import type { Db, DbHandle } from '$lib/server/db/client';
import { area, category, unit } from '$lib/server/db/schema';
import { createCycle } from '$lib/server/cycles/cycles';
import {
	createCategory,
	deleteCategory,
	listCategories,
	updateCategory
} from '$lib/server/cycles/categories';
import { deleteGroup, listGroups, upsertGroup } from '$lib/server/cycles/groups';
import {
	AreaImportError,
	deleteArea,
	insertAreas,
	listAreas,
	updateArea
} from '$lib/server/cycles/areas';
import { deleteUnit, insertUnits, listUnits, UnitImportError } from '$lib/server/cycles/units';
import { ConflictError, NotFoundError, ValidationError } from '$lib/server/errors';
import {
	areaInputSchema,
	categoryInputSchema,
	type AreaInput,
	type UnitInput
} from '$lib/schemas/cycle';
import { admin, countAllRows } from '../fixtures/db';

let handle: DbHandle;
let db: Db;

beforeAll(async () => {
	handle = await createTestDb();
	db = handle.db;
});
afterAll(async () => {
	await handle?.close();
});

/** A fresh draft cycle with the three built-in groups. */
async function freshCycle(): Promise<number> {
	const c = await createCycle(db, admin, { name: '设置测试', year: 2025 });
	for (const code of ['residents', 'service_recipients', 'deputies']) {
		await upsertGroup(db, admin, c.id, { code, label: code, identity: 'link' });
	}
	return c.id;
}

async function caught(p: Promise<unknown>): Promise<unknown> {
	return p.then(
		() => new Error('expected a rejection'),
		(e: unknown) => e
	);
}

const messagesOf = (r: { success: boolean; error?: { issues: { message: string }[] } }) =>
	r.error?.issues.map((i) => i.message) ?? [];

describe('category weights (categoryInputSchema)', () => {
	const base = { code: 'township', name: '乡镇' };

	it('accepts weights summing to 1, including thirds as spreadsheets give them', () => {
		expect(
			categoryInputSchema.safeParse({
				...base,
				weights: { residents: 0.5, deputies: 0.3, service_recipients: 0.2 }
			}).success
		).toBe(true);
		expect(
			categoryInputSchema.safeParse({
				...base,
				weights: { residents: 1 / 3, deputies: 1 / 3, service_recipients: 1 / 3 }
			}).success
		).toBe(true);
		expect(categoryInputSchema.safeParse({ ...base, weights: { residents: 1 } }).success).toBe(
			true
		);
	});

	it('refuses weights that do not sum to 1, with the path and a clear code', () => {
		for (const weights of [
			{ residents: 0.5, deputies: 0.4 },
			{ residents: 0.6, deputies: 0.6 },
			{ residents: 0.3333, deputies: 0.3333, service_recipients: 0.3333 },
			{ residents: 0 }
		]) {
			const r = categoryInputSchema.safeParse({ ...base, weights });
			expect(r.success, JSON.stringify(weights)).toBe(false);
			expect(r.error?.issues).toContainEqual(
				expect.objectContaining({ path: ['weights'], message: 'weights_must_sum_to_1' })
			);
		}
	});

	it('refuses negative weights, weights above 1, no weights and bad group codes', () => {
		expect(
			messagesOf(
				categoryInputSchema.safeParse({ ...base, weights: { residents: -0.5, deputies: 1.5 } })
			)
		).toEqual(expect.arrayContaining(['weight_negative', 'weight_above_1']));
		expect(messagesOf(categoryInputSchema.safeParse({ ...base, weights: {} }))).toContain(
			'weights_required'
		);
		expect(categoryInputSchema.safeParse({ ...base, weights: { '': 1 } }).success).toBe(false);
		expect(categoryInputSchema.safeParse({ ...base, weights: { residents: '1' } }).success).toBe(
			false
		);
	});
});

describe('categories', () => {
	let cycleId: number;
	beforeEach(async () => {
		cycleId = await freshCycle();
	});

	it('stores the weights as given', async () => {
		const weights = { residents: 0.5, deputies: 0.3, service_recipients: 0.2 };
		await createCategory(db, admin, cycleId, { code: 'township', name: '乡镇', weights });
		const [c] = await listCategories(db, cycleId);
		expect(c).toMatchObject({ code: 'township', name: '乡镇', weights });
	});

	it('refuses weights naming a group the cycle does not have, on create and on update', async () => {
		const err = await caught(
			createCategory(db, admin, cycleId, {
				code: 'township',
				name: '乡镇',
				weights: { residents: 0.5, martians: 0.5 }
			})
		);
		expect(err).toBeInstanceOf(ValidationError);
		expect((err as ValidationError).fields).toEqual([
			{ path: 'weights.martians', message: 'unknown_group' }
		]);
		expect(await listCategories(db, cycleId)).toEqual([]);

		await createCategory(db, admin, cycleId, {
			code: 'township',
			name: '乡镇',
			weights: { residents: 1 }
		});
		await expect(
			updateCategory(db, admin, cycleId, 'township', { name: '乡镇', weights: { ghosts: 1 } })
		).rejects.toBeInstanceOf(ValidationError);
		const [c] = await listCategories(db, cycleId);
		expect(c.weights).toEqual({ residents: 1 });
	});

	it('refuses a duplicate code in the same cycle but allows it in another', async () => {
		await createCategory(db, admin, cycleId, {
			code: 'township',
			name: '乡镇',
			weights: { residents: 1 }
		});
		const err = await caught(
			createCategory(db, admin, cycleId, {
				code: 'township',
				name: '又一个',
				weights: { residents: 1 }
			})
		);
		expect(err).toBeInstanceOf(ConflictError);
		const other = await freshCycle();
		await createCategory(db, admin, other, {
			code: 'township',
			name: '乡镇',
			weights: { residents: 1 }
		});
		expect(await listCategories(db, cycleId)).toHaveLength(1);
	});

	it('refuses to delete a category that has units, and deletes it once they are gone', async () => {
		await createCategory(db, admin, cycleId, {
			code: 'township',
			name: '乡镇',
			weights: { residents: 1 }
		});
		await insertUnits(
			db,
			admin,
			cycleId,
			[{ code: 'TW01', name: '河口镇', category: 'township' }],
			'test'
		);
		const err = await caught(deleteCategory(db, admin, cycleId, 'township'));
		expect(err).toBeInstanceOf(ConflictError);
		expect((err as ConflictError).message).toBe('category_has_units');
		expect(await listCategories(db, cycleId)).toHaveLength(1);

		await deleteUnit(db, admin, cycleId, 'TW01');
		await deleteCategory(db, admin, cycleId, 'township');
		expect(await listCategories(db, cycleId)).toEqual([]);
		await expect(deleteCategory(db, admin, cycleId, 'township')).rejects.toBeInstanceOf(
			NotFoundError
		);
	});

	it('refuses to delete a group that a category weighs', async () => {
		await createCategory(db, admin, cycleId, {
			code: 'township',
			name: '乡镇',
			weights: { residents: 0.5, deputies: 0.5 }
		});
		await expect(deleteGroup(db, admin, cycleId, 'deputies')).rejects.toBeInstanceOf(ConflictError);
		await deleteGroup(db, admin, cycleId, 'service_recipients');
		expect((await listGroups(db, cycleId)).map((g) => g.code)).toEqual(['residents', 'deputies']);
	});
});

describe('areas (insertAreas)', () => {
	let cycleId: number;
	beforeEach(async () => {
		cycleId = await freshCycle();
	});

	async function areaImportError(inputs: AreaInput[]): Promise<AreaImportError> {
		const before = await countAllRows(db);
		const err = await caught(
			db.transaction((tx) => insertAreas(tx, admin, cycleId, inputs, 'test'))
		);
		expect(err).toBeInstanceOf(AreaImportError);
		expect(await countAllRows(db)).toEqual(before);
		return err as AreaImportError;
	}

	it('inserts children listed before their parents, with the right parent links', async () => {
		const n = await db.transaction((tx) =>
			insertAreas(
				tx,
				admin,
				cycleId,
				[
					{ code: 'TW01-01-A', name: '一组', parent: 'TW01-01', population: 300 },
					{ code: 'TW01-01', name: '河口社区', parent: 'TW01', population: 5200 },
					{ code: 'TW02', name: '石桥镇', parent: null, population: 18000 },
					{ code: 'TW01', name: '河口镇', population: 21500 }
				],
				'test'
			)
		);
		expect(n).toBe(4);
		const areas = await listAreas(db, cycleId);
		const parentOf = Object.fromEntries(areas.map((a) => [a.code, a.parentCode]));
		expect(parentOf).toEqual({ 'TW01-01-A': 'TW01-01', 'TW01-01': 'TW01', TW02: null, TW01: null });
		expect(areas.find((a) => a.code === 'TW01')?.population).toBe(21500);
		// Later imports may hang areas under ones already stored.
		await insertAreas(
			db,
			admin,
			cycleId,
			[{ code: 'TW02-01', name: '石桥社区', parent: 'TW02', population: 1 }],
			't'
		);
		expect((await listAreas(db, cycleId)).find((a) => a.code === 'TW02-01')?.parentCode).toBe(
			'TW02'
		);
	});

	it('refuses an unknown parent and inserts none of the good rows', async () => {
		const err = await areaImportError([
			{ code: 'TW01', name: '河口镇', population: 100 },
			{ code: 'TW01-01', name: '河口社区', parent: 'TW01', population: 10 },
			{ code: 'X-01', name: '无主村', parent: 'NOWHERE', population: 10 }
		]);
		expect(err.rows).toEqual([{ row: 2, column: 'parent', message: 'unknown_parent_area' }]);
		expect(await listAreas(db, cycleId)).toEqual([]);
	});

	it('refuses a cycle in the tree, including a self-parent', async () => {
		const err = await areaImportError([
			{ code: 'A', name: '甲', parent: 'C', population: 1 },
			{ code: 'B', name: '乙', parent: 'A', population: 1 },
			{ code: 'C', name: '丙', parent: 'B', population: 1 },
			{ code: 'S', name: '自己', parent: 'S', population: 1 },
			{ code: 'OK', name: '正常', population: 1 }
		]);
		expect(err.rows).toEqual([
			{ row: 0, column: 'parent', message: 'area_cycle' },
			{ row: 1, column: 'parent', message: 'area_cycle' },
			{ row: 2, column: 'parent', message: 'area_cycle' },
			{ row: 3, column: 'parent', message: 'area_cycle' }
		]);
	});

	it('refuses duplicate codes, within the input and against stored areas', async () => {
		await insertAreas(
			db,
			admin,
			cycleId,
			[{ code: 'TW01', name: '河口镇', population: 1 }],
			'test'
		);
		const err = await areaImportError([
			{ code: 'TW02', name: '石桥镇', population: 1 },
			{ code: 'TW02', name: '石桥镇又一次', population: 1 },
			{ code: 'TW01', name: '已有', population: 1 }
		]);
		expect(err.rows).toEqual([
			{ row: 1, column: 'code', message: 'duplicate_code' },
			{ row: 2, column: 'code', message: 'duplicate_code' }
		]);
		expect((await listAreas(db, cycleId)).map((a) => a.code)).toEqual(['TW01']);
	});

	it('lists every problem of a batch at once', async () => {
		const err = await areaImportError([
			{ code: 'A', name: '甲', parent: 'A', population: 1 },
			{ code: 'B', name: '乙', parent: 'NOPE', population: 1 },
			{ code: 'B', name: '乙二', population: 1 }
		]);
		expect(err.rows).toHaveLength(3);
		expect(err.fields?.map((f) => f.path).sort()).toEqual(['0.parent', '1.parent', '2.code']);
	});

	it('refuses negative, fractional and non-numeric populations in the schema', () => {
		const bad = (population: unknown) =>
			messagesOf(areaInputSchema.safeParse({ code: 'A', name: '甲', population }));
		expect(bad(-1)).toEqual(['population_negative']);
		expect(bad('-20')).toEqual(['population_negative']);
		expect(bad(1.5)).toEqual(['must_be_integer']);
		expect(bad('many')).toEqual(['must_be_number']);
		expect(areaInputSchema.safeParse({ code: 'A', name: '甲', population: '0' }).success).toBe(
			true
		);
	});

	it('refuses an update that would make a cycle, and a delete of an area with children', async () => {
		await insertAreas(
			db,
			admin,
			cycleId,
			[
				{ code: 'TW01', name: '河口镇', population: 1 },
				{ code: 'TW01-01', name: '河口社区', parent: 'TW01', population: 1 }
			],
			'test'
		);
		await expect(
			updateArea(db, admin, cycleId, 'TW01', { name: '河口镇', parent: 'TW01-01', population: 1 })
		).rejects.toBeInstanceOf(ValidationError);
		await expect(
			updateArea(db, admin, cycleId, 'TW01', { name: '河口镇', parent: 'NOPE', population: 1 })
		).rejects.toBeInstanceOf(ValidationError);
		await expect(deleteArea(db, admin, cycleId, 'TW01')).rejects.toBeInstanceOf(ConflictError);
		const areas = await listAreas(db, cycleId);
		expect(areas.find((a) => a.code === 'TW01')?.parentCode).toBeNull();

		await deleteArea(db, admin, cycleId, 'TW01-01');
		await deleteArea(db, admin, cycleId, 'TW01');
		expect(await listAreas(db, cycleId)).toEqual([]);
	});
});

describe('units (insertUnits)', () => {
	let cycleId: number;
	beforeEach(async () => {
		cycleId = await freshCycle();
		await createCategory(db, admin, cycleId, {
			code: 'township',
			name: '乡镇',
			weights: { residents: 1 }
		});
		await insertAreas(
			db,
			admin,
			cycleId,
			[{ code: 'TW01', name: '河口镇', population: 1 }],
			'test'
		);
	});

	async function unitImportError(inputs: UnitInput[]): Promise<UnitImportError> {
		const before = await countAllRows(db);
		const err = await caught(
			db.transaction((tx) => insertUnits(tx, admin, cycleId, inputs, 'test'))
		);
		expect(err).toBeInstanceOf(UnitImportError);
		expect(await countAllRows(db)).toEqual(before);
		expect(await listUnits(db, cycleId)).toEqual(
			expect.not.arrayContaining([expect.objectContaining({ code: 'GOOD' })])
		);
		return err as UnitImportError;
	}

	it('inserts good units with their category and area', async () => {
		await insertUnits(
			db,
			admin,
			cycleId,
			[
				{ code: 'TW01', name: '河口镇', category: 'township', area: 'TW01' },
				{ code: 'D01', name: '县公安局', category: 'township', area: null }
			],
			'test'
		);
		const units = await listUnits(db, cycleId);
		expect(units.map((u) => [u.code, u.categoryCode, u.areaCode])).toEqual([
			['TW01', 'township', 'TW01'],
			['D01', 'township', null]
		]);
	});

	it('reports duplicate codes in the input and against stored units, and inserts nothing', async () => {
		await insertUnits(
			db,
			admin,
			cycleId,
			[{ code: 'OLD', name: '旧', category: 'township' }],
			'test'
		);
		const err = await unitImportError([
			{ code: 'GOOD', name: '好', category: 'township' },
			{ code: 'U1', name: '一', category: 'township' },
			{ code: 'U1', name: '一又', category: 'township' },
			{ code: 'OLD', name: '旧又', category: 'township' }
		]);
		expect(err.rows).toEqual([
			{ row: 2, column: 'code', message: 'duplicate_code' },
			{ row: 3, column: 'code', message: 'duplicate_code' }
		]);
		expect((await listUnits(db, cycleId)).map((u) => u.code)).toEqual(['OLD']);
	});

	it('reports unknown categories and areas per row, with the caller’s line numbers', async () => {
		const before = await countAllRows(db);
		const err = await caught(
			insertUnits(
				db,
				admin,
				cycleId,
				[
					{ code: 'GOOD', name: '好', category: 'township', area: 'TW01' },
					{ code: 'U2', name: '二', category: 'ghost', area: 'TW01' },
					{ code: 'U3', name: '三', category: 'township', area: 'NOWHERE' },
					{ code: 'U4', name: '四', category: 'ghost', area: 'NOWHERE' }
				],
				'test',
				(i) => i + 2
			)
		);
		expect(err).toBeInstanceOf(UnitImportError);
		expect((err as UnitImportError).rows).toEqual([
			{ row: 3, column: 'category', message: 'unknown_category' },
			{ row: 4, column: 'area', message: 'unknown_area' },
			{ row: 5, column: 'category', message: 'unknown_category' },
			{ row: 5, column: 'area', message: 'unknown_area' }
		]);
		expect(await countAllRows(db)).toEqual(before);
	});

	it('keeps units of different cycles apart: a category of another cycle is unknown here', async () => {
		const other = await freshCycle();
		await createCategory(db, admin, other, {
			code: 'elsewhere',
			name: '别处',
			weights: { residents: 1 }
		});
		await unitImportError([{ code: 'U1', name: '一', category: 'elsewhere' }]);
		const rows = await db.select().from(unit).where(eq(unit.cycleId, cycleId));
		expect(rows).toEqual([]);
		const cats = await db.select().from(category).where(eq(category.cycleId, other));
		expect(cats).toHaveLength(1);
		const areas = await db.select().from(area).where(eq(area.cycleId, other));
		expect(areas).toEqual([]);
	});
});
