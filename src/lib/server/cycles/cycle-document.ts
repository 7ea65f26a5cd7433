import { asc, eq } from 'drizzle-orm';
import type { Db, DbOrTx } from '../db/client';
import { category, cycle, group, survey } from '../db/schema';
import { appendAudit, type Actor } from '../audit/audit-log';
import type { CycleDocument } from '$lib/schemas/cycle-document';
import { createCycle, getCycle } from './cycles';
import { listAreas, insertAreas } from './areas';
import { listUnits, insertUnits } from './units';
import { defaultMinValid } from './groups';
import { insertSurvey, surveyToInput } from '../surveys/surveys';

/** The whole cycle as the JSON document of DESIGN.md §12. */
export async function exportCycle(db: DbOrTx, cycleId: number): Promise<CycleDocument> {
	const c = await getCycle(db, cycleId);
	const groups = await db
		.select()
		.from(group)
		.where(eq(group.cycleId, cycleId))
		.orderBy(asc(group.sort), asc(group.id));
	const categories = await db
		.select()
		.from(category)
		.where(eq(category.cycleId, cycleId))
		.orderBy(asc(category.sort), asc(category.code));
	const areas = await listAreas(db, cycleId);
	const units = await listUnits(db, cycleId);
	const surveys = await db
		.select()
		.from(survey)
		.where(eq(survey.cycleId, cycleId))
		.orderBy(asc(survey.id));
	return {
		cycle: {
			name: c.name,
			year: c.year,
			fullPoints: c.fullPoints,
			pointsMode: c.pointsMode,
			config: c.config
		},
		categories: categories.map((k) => ({ code: k.code, name: k.name, weights: k.weights })),
		groups: groups.map((g) => ({
			code: g.code,
			label: g.label,
			identity: g.identity,
			minValid: g.minValid,
			subgroups: g.subgroups
		})),
		areas: areas.map((a) => ({
			code: a.code,
			name: a.name,
			parent: a.parentCode,
			population: a.population
		})),
		units: units.map((u) => ({
			code: u.code,
			name: u.name,
			category: u.categoryCode,
			area: u.areaCode
		})),
		surveys: surveys.map(surveyToInput)
	};
}

/** Creates a cycle from a validated document in one transaction: all of it or nothing. */
export async function importCycle(
	db: Db,
	actor: Actor,
	doc: CycleDocument,
	options: { copiedFromId?: number } = {}
): Promise<number> {
	return db.transaction(async (tx) => {
		const c = await createCycle(tx, actor, doc.cycle);
		if (options.copiedFromId) {
			await tx.update(cycle).set({ copiedFromId: options.copiedFromId }).where(eq(cycle.id, c.id));
		}
		if (doc.groups.length) {
			await tx.insert(group).values(
				doc.groups.map((g, i) => ({
					cycleId: c.id,
					code: g.code,
					label: g.label,
					identity: g.identity,
					minValid: g.minValid ?? defaultMinValid(g.code),
					subgroups: g.subgroups ?? [],
					sort: i
				}))
			);
		}
		if (doc.categories.length) {
			await tx.insert(category).values(
				doc.categories.map((k, i) => ({
					cycleId: c.id,
					code: k.code,
					name: k.name,
					weights: k.weights,
					sort: i
				}))
			);
		}
		if (doc.areas.length) await insertAreas(tx, actor, c.id, doc.areas, 'cycle-import');
		if (doc.units.length) await insertUnits(tx, actor, c.id, doc.units, 'cycle-import');
		for (const s of doc.surveys) await insertSurvey(tx, actor, c.id, s);
		await appendAudit(tx, actor, {
			action: 'cycle.import',
			targetType: 'cycle',
			targetId: c.id,
			cycleId: c.id,
			detail: {
				categories: doc.categories.length,
				groups: doc.groups.length,
				areas: doc.areas.length,
				units: doc.units.length,
				surveys: doc.surveys.length,
				copiedFromId: options.copiedFromId ?? null
			}
		});
		return c.id;
	});
}

/**
 * "Copy from last year": the same document with a new name and year. Surveys are copied with a
 * year suffix on their slugs (slugs are unique across cycles) and start as drafts.
 */
export async function copyCycle(
	db: Db,
	actor: Actor,
	fromId: number,
	target: { name: string; year: number }
): Promise<number> {
	const doc = await exportCycle(db, fromId);
	doc.cycle = { ...doc.cycle, name: target.name, year: target.year };
	doc.surveys = doc.surveys.map((s) => ({
		...s,
		slug: `${s.slug.replace(/-\d{4}$/, '')}-${target.year}`.slice(0, 60),
		opensAt: undefined,
		closesAt: undefined
	}));
	return importCycle(db, actor, doc, { copiedFromId: fromId });
}
