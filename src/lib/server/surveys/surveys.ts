import { randomBytes } from 'node:crypto';
import { asc, eq } from 'drizzle-orm';
import type { DbOrTx } from '../db/client';
import { category, survey, unit, type Survey } from '../db/schema';
import { appendAudit, type Actor } from '../audit/audit-log';
import { ConflictError, NotFoundError, ReadOnlyError, ValidationError } from '../errors';
import type { SurveyInput } from '$lib/schemas/survey';
import type { SurveyDefinition } from '$lib/schemas/survey-definition';
import { getWritableCycle } from '../cycles/cycles';

export function surveyToInput(s: Survey): SurveyInput {
	const { frozenUnits: _frozen, ...def } = s.definition;
	void _frozen;
	return {
		...def,
		slug: s.slug,
		title: s.title,
		opensAt: s.opensAt ?? undefined,
		closesAt: s.closesAt ?? undefined
	};
}

function definitionOf(input: SurveyInput): SurveyDefinition {
	const { slug: _s, title: _t, opensAt: _o, closesAt: _c, ...def } = input;
	void _s;
	void _t;
	void _o;
	void _c;
	return def;
}

export async function insertSurvey(
	db: DbOrTx,
	actor: Actor,
	cycleId: number,
	input: SurveyInput
): Promise<Survey> {
	await getWritableCycle(db, cycleId);
	const [row] = await db
		.insert(survey)
		.values({
			cycleId,
			slug: input.slug,
			title: input.title,
			definition: definitionOf(input),
			opensAt: input.opensAt ?? null,
			closesAt: input.closesAt ?? null,
			hashKey: randomBytes(32)
		})
		.onConflictDoNothing()
		.returning();
	if (!row) {
		throw new ConflictError('duplicate_slug', [{ path: 'slug', message: 'duplicate_slug' }]);
	}
	await appendAudit(db, actor, {
		action: 'survey.create',
		targetType: 'survey',
		targetId: input.slug,
		cycleId,
		detail: { title: input.title }
	});
	return row;
}

export async function listSurveys(db: DbOrTx, cycleId?: number): Promise<Survey[]> {
	return db
		.select()
		.from(survey)
		.where(cycleId === undefined ? undefined : eq(survey.cycleId, cycleId))
		.orderBy(asc(survey.id));
}

export async function getSurveyBySlug(db: DbOrTx, slug: string): Promise<Survey> {
	if (typeof slug !== 'string' || slug.length > 60) throw new NotFoundError('survey_not_found');
	const [row] = await db.select().from(survey).where(eq(survey.slug, slug));
	if (!row) throw new NotFoundError('survey_not_found');
	return row;
}

/** Unit codes a survey rates, in category then unit order. */
export async function resolveSurveyUnits(
	db: DbOrTx,
	cycleId: number,
	selection: SurveyDefinition['units']
): Promise<string[]> {
	const units = await db
		.select({ code: unit.code, category: category.code })
		.from(unit)
		.innerJoin(category, eq(unit.categoryId, category.id))
		.where(eq(unit.cycleId, cycleId))
		.orderBy(asc(category.sort), asc(unit.sort), asc(unit.code));
	if (selection === 'all') return units.map((u) => u.code);
	if (Array.isArray(selection)) {
		const known = new Set(units.map((u) => u.code));
		const unknown = selection.filter((c) => !known.has(c));
		if (unknown.length) {
			throw new ValidationError(
				'unknown_unit',
				unknown.map((c) => ({ path: `units.${c}`, message: 'unknown_unit' }))
			);
		}
		return selection;
	}
	const cats = new Set(selection.categories);
	return units.filter((u) => cats.has(u.category)).map((u) => u.code);
}

/**
 * JSON with object keys in sorted order. The stored definition comes back from jsonb, which does not
 * keep key order, so a plain JSON.stringify of it never equals that of a freshly parsed input.
 */
function canonicalJson(value: unknown): string {
	return JSON.stringify(value, (_key, v: unknown) =>
		v && typeof v === 'object' && !Array.isArray(v)
			? Object.fromEntries(Object.entries(v).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
			: v
	);
}

/**
 * Before publishing, anything may change; after, only texts (title, description, question and option
 * wording) may, and each such edit is logged, so the questionnaire people answered stays the one stored.
 */
export async function updateSurvey(
	db: DbOrTx,
	actor: Actor,
	slug: string,
	input: SurveyInput
): Promise<Survey> {
	const before = await getSurveyBySlug(db, slug);
	await getWritableCycle(db, before.cycleId);
	if (before.status === 'closed') throw new ReadOnlyError('survey_closed');
	let definition = definitionOf(input);
	if (before.status === 'published') {
		const structural = (d: SurveyDefinition) =>
			canonicalJson({
				...d,
				description: undefined,
				frozenUnits: undefined,
				questions: d.questions.map((q) => ({
					...q,
					text: undefined,
					options: q.options?.map((o) => o.code)
				}))
			});
		if (structural(definition) !== structural(before.definition) || input.slug !== slug) {
			throw new ReadOnlyError('survey_published_only_texts');
		}
		definition = { ...definition, frozenUnits: before.definition.frozenUnits };
	}
	const [row] = await db
		.update(survey)
		.set({
			title: input.title,
			definition,
			opensAt: input.opensAt ?? null,
			closesAt: input.closesAt ?? null,
			updatedAt: new Date()
		})
		.where(eq(survey.id, before.id))
		.returning();
	await appendAudit(db, actor, {
		action: before.status === 'published' ? 'survey.edit_texts' : 'survey.update',
		targetType: 'survey',
		targetId: slug,
		cycleId: before.cycleId,
		detail: { title: input.title }
	});
	return row;
}

export async function publishSurvey(db: DbOrTx, actor: Actor, slug: string): Promise<Survey> {
	const s = await getSurveyBySlug(db, slug);
	await getWritableCycle(db, s.cycleId);
	if (s.status !== 'draft') throw new ConflictError(`survey_already_${s.status}`);
	const frozenUnits = await resolveSurveyUnits(db, s.cycleId, s.definition.units);
	if (!frozenUnits.length) {
		throw new ValidationError('survey_has_no_units', [
			{ path: 'units', message: 'survey_has_no_units' }
		]);
	}
	const [row] = await db
		.update(survey)
		.set({
			status: 'published',
			publishedAt: new Date(),
			definition: { ...s.definition, frozenUnits },
			updatedAt: new Date()
		})
		.where(eq(survey.id, s.id))
		.returning();
	await appendAudit(db, actor, {
		action: 'survey.publish',
		targetType: 'survey',
		targetId: slug,
		cycleId: s.cycleId,
		detail: { units: frozenUnits.length }
	});
	return row;
}

export async function closeSurvey(db: DbOrTx, actor: Actor, slug: string): Promise<Survey> {
	const s = await getSurveyBySlug(db, slug);
	if (s.status === 'closed') throw new ConflictError('survey_already_closed');
	const [row] = await db
		.update(survey)
		.set({ status: 'closed', closedAt: new Date(), updatedAt: new Date() })
		.where(eq(survey.id, s.id))
		.returning();
	await appendAudit(db, actor, {
		action: 'survey.close',
		targetType: 'survey',
		targetId: slug,
		cycleId: s.cycleId
	});
	return row;
}
