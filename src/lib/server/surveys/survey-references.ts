import { eq } from 'drizzle-orm';
import type { DbOrTx } from '../db/client';
import { category, group, unit } from '../db/schema';
import { ValidationError, type FieldError } from '../errors';
import type { SurveyInput } from '$lib/schemas/survey';

/**
 * A survey may only name the groups, units and categories of its own cycle. The schema checks the
 * shape; this checks the names, listing every unknown one at its path (`groups.1`, `units.3`,
 * `units.categories.0`), as the cycle import does.
 */
export async function checkSurveyReferences(
	db: DbOrTx,
	cycleId: number,
	input: Pick<SurveyInput, 'groups' | 'units'>
): Promise<void> {
	// One after the other: inside a transaction the queries share one connection anyway.
	const groups = await db
		.select({ code: group.code })
		.from(group)
		.where(eq(group.cycleId, cycleId));
	const units = await db.select({ code: unit.code }).from(unit).where(eq(unit.cycleId, cycleId));
	const categories = await db
		.select({ code: category.code })
		.from(category)
		.where(eq(category.cycleId, cycleId));
	const has = (rows: { code: string }[]) => {
		const set = new Set(rows.map((r) => r.code));
		return (code: string) => set.has(code);
	};
	const [isGroup, isUnit, isCategory] = [has(groups), has(units), has(categories)];
	const fields: FieldError[] = [];
	input.groups.forEach((g, i) => {
		if (!isGroup(g)) fields.push({ path: `groups.${i}`, message: 'unknown_group' });
	});
	if (Array.isArray(input.units)) {
		input.units.forEach((u, i) => {
			if (!isUnit(u)) fields.push({ path: `units.${i}`, message: 'unknown_unit' });
		});
	} else if (input.units !== 'all') {
		input.units.categories.forEach((c, i) => {
			if (!isCategory(c)) {
				fields.push({ path: `units.categories.${i}`, message: 'unknown_category' });
			}
		});
	}
	if (fields.length) throw new ValidationError('invalid_input', fields);
}
