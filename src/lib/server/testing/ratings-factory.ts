/**
 * Test data for scoring: a small cycle imported through `importCycle`, then submissions and
 * ratings written directly with drizzle (as the submit pipeline stores them), so scoring tests do
 * not depend on the respondent flow. Not used by the app.
 */
import { randomUUID } from 'node:crypto';
import { eq } from 'drizzle-orm';
import type { Db, DbOrTx } from '../db/client';
import { area, group, rating, submission, survey, unit } from '../db/schema';
import { importCycle } from '../cycles/cycle-document';
import type { Actor } from '../audit/audit-log';
import { cycleDocumentSchema, type CycleDocumentInput } from '$lib/schemas/cycle-document';

export const factoryActor: Actor = { id: null, label: 'ratings-factory' };

export type SubmissionStatus = 'accepted' | 'flagged' | 'quarantined' | 'excluded';
const statusCode: Record<SubmissionStatus, number> = {
	accepted: 0,
	flagged: 1,
	quarantined: 2,
	excluded: 3
};

/** ceping4 level index (1..4) by value; 0 is 不了解. */
const ceping4Level: Record<number, number> = { 100: 1, 80: 2, 60: 3, 0: 4 };

export interface FactoryCycle {
	cycleId: number;
	surveyId: number;
	unitId: Map<string, number>;
	groupId: Map<string, number>;
	areaId: Map<string, number>;
}

/**
 * A tiny cycle shaped like the worked example of DESIGN.md §6: township 镇1 (`zhen1`, area T1 with
 * villages A 3,000 and B 7,000), two more townships, a department, three groups and one survey.
 */
export function scoringTestDocument(suffix = randomUUID().slice(0, 8)): CycleDocumentInput {
	return {
		cycle: { name: `评分测试 ${suffix}`, year: 2025 },
		groups: [
			{ code: 'residents', label: '群众', identity: 'link', minValid: 30 },
			{ code: 'service_recipients', label: '服务对象', identity: 'link', minValid: 30 },
			{ code: 'deputies', label: '两代表一委员', identity: 'invitation', minValid: 15 }
		],
		categories: [
			{
				code: 'township',
				name: '乡镇',
				weights: { residents: 0.5, deputies: 0.3, service_recipients: 0.2 }
			},
			{
				code: 'frontline',
				name: '窗口部门',
				weights: { service_recipients: 0.4, residents: 0.3, deputies: 0.3 }
			}
		],
		areas: [
			{ code: 'T1', name: '一镇', parent: null, population: 10_000 },
			{ code: 'A', name: '甲村', parent: 'T1', population: 3_000 },
			{ code: 'B', name: '乙村', parent: 'T1', population: 7_000 },
			{ code: 'T2', name: '二镇', parent: null, population: 8_000 },
			{ code: 'C', name: '丙村', parent: 'T2', population: 0 }
		],
		units: [
			{ code: 'zhen1', name: '镇1', category: 'township', area: 'T1' },
			{ code: 'zhen2', name: '镇2', category: 'township', area: 'T2' },
			{ code: 'zhen3', name: '镇3', category: 'township', area: null },
			{ code: 'dept1', name: '县政务服务中心', category: 'frontline', area: null }
		],
		surveys: [
			{
				slug: `scoring-${suffix}`.toLowerCase(),
				title: '满意度测评',
				groups: ['residents', 'service_recipients', 'deputies'],
				units: 'all',
				scale: 'ceping4'
			}
		]
	};
}

/** Imports the document (validated like the API does) and returns the ids ratings refer to. */
export async function createRatingsCycle(
	db: Db,
	doc: CycleDocumentInput = scoringTestDocument()
): Promise<FactoryCycle> {
	const cycleId = await importCycle(db, factoryActor, cycleDocumentSchema.parse(doc));
	return factoryIds(db, cycleId);
}

export async function factoryIds(db: DbOrTx, cycleId: number): Promise<FactoryCycle> {
	const [s] = await db.select({ id: survey.id }).from(survey).where(eq(survey.cycleId, cycleId));
	const units = await db.select().from(unit).where(eq(unit.cycleId, cycleId));
	const groups = await db.select().from(group).where(eq(group.cycleId, cycleId));
	const areas = await db.select().from(area).where(eq(area.cycleId, cycleId));
	if (!s) throw new Error('the factory needs a cycle with a survey');
	return {
		cycleId,
		surveyId: s.id,
		unitId: new Map(units.map((u) => [u.code, u.id])),
		groupId: new Map(groups.map((g) => [g.code, g.id])),
		areaId: new Map(areas.map((a) => [a.code, a.id]))
	};
}

export interface SubmissionSpec {
	group: string;
	area?: string | null;
	status?: SubmissionStatus;
	weight?: number;
	/** YYYY-MM-DD (county time); default 2025-10-15. */
	day?: string;
	reasons?: string[];
	/** unit code → level value (0–100) or null for 不了解. */
	ratings: Record<string, number | null>;
}

function idOf(map: Map<string, number>, code: string, what: string): number {
	const id = map.get(code);
	if (id === undefined) throw new Error(`unknown ${what} ${code}`);
	return id;
}

/** Stores submissions with their ratings, in batches (each submission gets a fresh client id). */
export async function insertSubmissions(
	db: DbOrTx,
	fc: FactoryCycle,
	specs: readonly SubmissionSpec[]
): Promise<number[]> {
	const ids: number[] = [];
	for (let i = 0; i < specs.length; i += 500) {
		const batch = specs.slice(i, i + 500);
		const rows = await db
			.insert(submission)
			.values(
				batch.map((s) => {
					const day = s.day ?? '2025-10-15';
					return {
						surveyId: fc.surveyId,
						clientId: randomUUID(),
						receipt: randomUUID().slice(0, 8),
						groupCode: s.group,
						areaCode: s.area ?? null,
						receivedAt: new Date(`${day}T04:00:00.000Z`),
						status: s.status ?? 'accepted',
						weight: s.weight ?? 1,
						reasons: s.reasons ?? []
					};
				})
			)
			.returning({ id: submission.id });
		const ratings = batch.flatMap((s, j) =>
			Object.entries(s.ratings).map(([unitCode, value]) => ({
				submissionId: rows[j].id,
				unitId: idOf(fc.unitId, unitCode, 'unit'),
				groupId: idOf(fc.groupId, s.group, 'group'),
				areaId: s.area ? idOf(fc.areaId, s.area, 'area') : null,
				level: value === null ? 0 : (ceping4Level[value] ?? 1),
				value,
				status: statusCode[s.status ?? 'accepted'],
				day: s.day ?? '2025-10-15',
				weight: s.weight ?? 1
			}))
		);
		if (ratings.length) await db.insert(rating).values(ratings);
		ids.push(...rows.map((r) => r.id));
	}
	return ids;
}

/**
 * Single-unit submissions from level counts, e.g. `answers('zhen1', 'residents', 'A',
 * {100: 60, 80: 10, 60: 5}, 5)`: 60 satisfied, 10 fairly, 5 basically satisfied and 5 不了解.
 */
export function answers(
	unitCode: string,
	groupCode: string,
	areaCode: string | null,
	counts: Record<number, number>,
	dontKnow = 0,
	extra: Omit<SubmissionSpec, 'group' | 'area' | 'ratings'> = {}
): SubmissionSpec[] {
	const out: SubmissionSpec[] = [];
	for (const [value, n] of Object.entries(counts)) {
		for (let i = 0; i < n; i++) {
			out.push({
				...extra,
				group: groupCode,
				area: areaCode,
				ratings: { [unitCode]: Number(value) }
			});
		}
	}
	for (let i = 0; i < dontKnow; i++) {
		out.push({ ...extra, group: groupCode, area: areaCode, ratings: { [unitCode]: null } });
	}
	return out;
}

/** The answers of the worked example of DESIGN.md §6 for one unit. */
export function workedExampleAnswers(unitCode = 'zhen1'): SubmissionSpec[] {
	return [
		...answers(unitCode, 'residents', 'A', { 100: 60, 80: 10, 60: 5, 0: 0 }, 5),
		...answers(unitCode, 'residents', 'B', { 100: 6, 80: 4, 60: 4, 0: 4 }, 2),
		...answers(unitCode, 'service_recipients', null, { 100: 20, 80: 6, 60: 3, 0: 1 }),
		...answers(unitCode, 'deputies', null, { 100: 15, 80: 5, 60: 2 }, 3)
	];
}
