import { eq } from 'drizzle-orm';
import type { DbOrTx } from '../db/client';
import { category, unit, type Survey } from '../db/schema';
import { ValidationError } from '../errors';
import { resolveSurveyUnits } from './surveys';

export interface SurveyUnit {
	id: number | null;
	code: string;
	name: string;
	/** The category's name. */
	category: string;
}

/**
 * The units a survey rates, in display order: the list frozen at publication, or for a draft its
 * current selection. A draft naming units since deleted lists the ones that remain (the builder
 * reports the others when it is saved or published).
 */
export async function surveyUnits(db: DbOrTx, s: Survey): Promise<SurveyUnit[]> {
	const rows = await db
		.select({ id: unit.id, code: unit.code, name: unit.name, category: category.name })
		.from(unit)
		.innerJoin(category, eq(category.id, unit.categoryId))
		.where(eq(unit.cycleId, s.cycleId));
	const byCode = new Map(rows.map((r) => [r.code, r]));
	let codes = s.definition.frozenUnits;
	if (!codes) {
		const selection = s.definition.units;
		try {
			codes = await resolveSurveyUnits(db, s.cycleId, selection);
		} catch (err) {
			if (!(err instanceof ValidationError) || !Array.isArray(selection)) throw err;
			codes = selection.filter((c) => byCode.has(c));
		}
	}
	return codes.map((code) => byCode.get(code) ?? { id: null, code, name: code, category: '' });
}
