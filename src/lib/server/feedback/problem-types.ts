import { and, asc, count, eq } from 'drizzle-orm';
import type { DbOrTx } from '../db/client';
import { problemType, rectification, type ProblemType } from '../db/schema/feedback';
import { appendAudit, type Actor } from '../audit/audit-log';
import { ConflictError, NotFoundError, ValidationError } from '../errors';
import { getCycle } from '../cycles/cycles';
import type { ProblemTypeInput } from '$lib/schemas/feedback';

/**
 * The problem types a cycle starts with (the office edits the list): the kinds of problems
 * residents' comments and low results usually point at in a county assessment.
 */
export const DEFAULT_PROBLEM_TYPES: ProblemTypeInput[] = [
	{ code: 'service_attitude', name: '服务态度' },
	{ code: 'efficiency', name: '办事效率' },
	{ code: 'policy', name: '政策落实' },
	{ code: 'transparency', name: '政务公开与沟通' },
	{ code: 'environment', name: '环境卫生与基础设施' },
	{ code: 'safety', name: '社会治安与安全' },
	{ code: 'livelihood', name: '民生保障' },
	{ code: 'conduct', name: '作风纪律' },
	{ code: 'other', name: '其他' }
];

/** The cycle's problem types; a cycle with none gets the defaults on first use. */
export async function listProblemTypes(db: DbOrTx, cycleId: number): Promise<ProblemType[]> {
	const read = () =>
		db
			.select()
			.from(problemType)
			.where(eq(problemType.cycleId, cycleId))
			.orderBy(asc(problemType.sort), asc(problemType.id));
	const rows = await read();
	if (rows.length) return rows;
	await getCycle(db, cycleId);
	await db
		.insert(problemType)
		.values(DEFAULT_PROBLEM_TYPES.map((t, i) => ({ cycleId, code: t.code, name: t.name, sort: i })))
		.onConflictDoNothing();
	return read();
}

export async function requireProblemType(
	db: DbOrTx,
	cycleId: number,
	code: string,
	path = 'typeCode'
): Promise<ProblemType> {
	const types = await listProblemTypes(db, cycleId);
	const t = types.find((x) => x.code === code);
	if (!t) {
		throw new ValidationError('unknown_problem_type', [{ path, message: 'unknown_problem_type' }]);
	}
	return t;
}

/** Adds a type or renames an existing one (codes stay: items refer to them). */
export async function saveProblemType(
	db: DbOrTx,
	actor: Actor,
	cycleId: number,
	input: ProblemTypeInput
): Promise<ProblemType> {
	const types = await listProblemTypes(db, cycleId);
	const sort = types.length ? Math.max(...types.map((t) => t.sort)) + 1 : 0;
	const [row] = await db
		.insert(problemType)
		.values({ cycleId, code: input.code, name: input.name, sort })
		.onConflictDoUpdate({
			target: [problemType.cycleId, problemType.code],
			set: { name: input.name }
		})
		.returning();
	await appendAudit(db, actor, {
		action: 'feedback.problem_type.save',
		targetType: 'problem_type',
		targetId: input.code,
		cycleId,
		detail: { name: input.name }
	});
	return row;
}

export async function deleteProblemType(
	db: DbOrTx,
	actor: Actor,
	cycleId: number,
	code: string
): Promise<void> {
	const [used] = await db
		.select({ n: count() })
		.from(rectification)
		.where(and(eq(rectification.cycleId, cycleId), eq(rectification.typeCode, code)));
	if (used.n > 0) throw new ConflictError('problem_type_in_use');
	const gone = await db
		.delete(problemType)
		.where(and(eq(problemType.cycleId, cycleId), eq(problemType.code, code)))
		.returning({ id: problemType.id });
	if (!gone.length) throw new NotFoundError('problem_type_not_found');
	await appendAudit(db, actor, {
		action: 'feedback.problem_type.delete',
		targetType: 'problem_type',
		targetId: code,
		cycleId
	});
}
