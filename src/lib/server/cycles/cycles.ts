import { desc, eq } from 'drizzle-orm';
import type { DbOrTx } from '../db/client';
import { cycle, survey, type Cycle } from '../db/schema';
import { appendAudit, type Actor } from '../audit/audit-log';
import { NotFoundError, ReadOnlyError } from '../errors';
import { defaultCycleConfig } from '$lib/schemas/cycle-config';
import type { CycleInput } from '$lib/schemas/cycle';

export async function listCycles(db: DbOrTx): Promise<Cycle[]> {
	return db.select().from(cycle).orderBy(desc(cycle.year), desc(cycle.id));
}

export async function getCycle(db: DbOrTx, id: number): Promise<Cycle> {
	if (!Number.isSafeInteger(id) || id <= 0) throw new NotFoundError('cycle_not_found');
	const [row] = await db.select().from(cycle).where(eq(cycle.id, id));
	if (!row) throw new NotFoundError('cycle_not_found');
	return row;
}

/** Closed cycles are read-only: their scores must be reproducible from what is stored. */
export async function getWritableCycle(db: DbOrTx, id: number): Promise<Cycle> {
	const c = await getCycle(db, id);
	if (c.status === 'closed') throw new ReadOnlyError('cycle_closed');
	return c;
}

export async function createCycle(db: DbOrTx, actor: Actor, input: CycleInput): Promise<Cycle> {
	const [row] = await db
		.insert(cycle)
		.values({
			name: input.name,
			year: input.year,
			fullPoints: input.fullPoints ?? 10,
			pointsMode: input.pointsMode ?? 'proportional',
			config: input.config ?? defaultCycleConfig()
		})
		.returning();
	await appendAudit(db, actor, {
		action: 'cycle.create',
		targetType: 'cycle',
		targetId: row.id,
		cycleId: row.id,
		detail: { name: row.name, year: row.year }
	});
	return row;
}

/** Changing methodology parameters bumps the config version, so snapshots name what they used. */
export async function updateCycle(
	db: DbOrTx,
	actor: Actor,
	id: number,
	input: Partial<CycleInput>
): Promise<Cycle> {
	const before = await getWritableCycle(db, id);
	const configChanged =
		(input.config && canonicalJson(input.config) !== canonicalJson(before.config)) ||
		(input.fullPoints !== undefined && input.fullPoints !== before.fullPoints) ||
		(input.pointsMode !== undefined && input.pointsMode !== before.pointsMode);
	const [row] = await db
		.update(cycle)
		.set({
			name: input.name ?? before.name,
			year: input.year ?? before.year,
			fullPoints: input.fullPoints ?? before.fullPoints,
			pointsMode: input.pointsMode ?? before.pointsMode,
			config: input.config ?? before.config,
			configVersion: configChanged ? before.configVersion + 1 : before.configVersion
		})
		.where(eq(cycle.id, id))
		.returning();
	await appendAudit(db, actor, {
		action: 'cycle.update',
		targetType: 'cycle',
		targetId: id,
		cycleId: id,
		detail: { before: pickCycle(before), after: pickCycle(row) }
	});
	return row;
}

export async function setCycleStatus(
	db: DbOrTx,
	actor: Actor,
	id: number,
	status: 'open' | 'closed'
): Promise<Cycle> {
	const before = await getWritableCycle(db, id);
	const [row] = await db
		.update(cycle)
		.set({ status, closedAt: status === 'closed' ? new Date() : null })
		.where(eq(cycle.id, id))
		.returning();
	if (status === 'closed') {
		// Destroying the per-survey hash keys makes the stored address/device/phone hashes unlinkable.
		await db
			.update(survey)
			.set({ hashKey: null, status: 'closed', closedAt: new Date() })
			.where(eq(survey.cycleId, id));
	}
	await appendAudit(db, actor, {
		action: status === 'closed' ? 'cycle.close' : 'cycle.open',
		targetType: 'cycle',
		targetId: id,
		cycleId: id,
		detail: { from: before.status, to: status }
	});
	return row;
}

/** JSON with object keys sorted: jsonb stores keys in its own order, so plain JSON.stringify differs. */
function canonicalJson(value: unknown): string {
	return JSON.stringify(value, (_key, v: unknown) =>
		v && typeof v === 'object' && !Array.isArray(v)
			? Object.fromEntries(Object.entries(v).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
			: v
	);
}

function pickCycle(c: Cycle) {
	return {
		name: c.name,
		year: c.year,
		fullPoints: c.fullPoints,
		pointsMode: c.pointsMode,
		configVersion: c.configVersion
	};
}
