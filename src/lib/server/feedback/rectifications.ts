import { and, asc, desc, eq, inArray, sql, type SQL } from 'drizzle-orm';
import type { DbOrTx } from '../db/client';
import { unit } from '../db/schema';
import {
	appeal,
	evidenceFile,
	problemType,
	rectification,
	rectificationEvent,
	type Rectification,
	type RectificationEvent
} from '../db/schema/feedback';
import { appendAudit, type Actor } from '../audit/audit-log';
import {
	ConflictError,
	ForbiddenError,
	NotFoundError,
	ValidationError,
	type FieldError
} from '../errors';
import { getCycle } from '../cycles/cycles';
import {
	canTransition,
	countyToday,
	displayStatus,
	isActive,
	isOverdue,
	type DisplayStatus,
	type FeedbackRole,
	type RectificationSource,
	type RectificationStatus
} from '$lib/feedback/rectification';
import type { RectificationInput, RectificationPatch } from '$lib/schemas/feedback';
import { listProblemTypes, requireProblemType } from './problem-types';
import { unitComments } from './comments';
import { followupCycleIds } from './settings';

export interface RectificationView {
	id: number;
	cycleId: number;
	unitId: number;
	unitCode: string;
	unitName: string;
	source: RectificationSource;
	sourceRef: string | null;
	typeCode: string;
	typeName: string;
	description: string;
	owner: string;
	plan: string;
	deadline: string;
	status: RectificationStatus;
	/** `overdue` in place of an active status whose deadline has passed (derived, never stored). */
	displayStatus: DisplayStatus;
	overdue: boolean;
	createdBy: string;
	createdAt: string;
	updatedAt: string;
	doneAt: string | null;
	verifiedAt: string | null;
	verifiedBy: string | null;
	carriedFromId: number | null;
	/** The copy made in a later cycle, if any. */
	carriedToId: number | null;
	evidenceCount: number;
}

export interface RectificationFilter {
	cycleId: number;
	unitCode?: string;
	status?: DisplayStatus;
	typeCode?: string;
}

const iso = (d: Date | null) => (d ? d.toISOString() : null);

/** Reads items with their unit and type names, evidence counts and carried-over copies. */
async function readViews(db: DbOrTx, where: SQL, now: Date): Promise<RectificationView[]> {
	const rows = await db
		.select({
			r: rectification,
			unitName: unit.name,
			typeName: problemType.name,
			evidenceCount:
				sql<number>`(select count(*)::int from ${evidenceFile} e where e.rectification_id = ${rectification.id})`.mapWith(
					Number
				)
		})
		.from(rectification)
		.innerJoin(unit, eq(rectification.unitId, unit.id))
		.leftJoin(
			problemType,
			and(
				eq(problemType.cycleId, rectification.cycleId),
				eq(problemType.code, rectification.typeCode)
			)
		)
		.where(where)
		.orderBy(asc(rectification.deadline), asc(rectification.id));
	const ids = rows.map((r) => r.r.id);
	const copies = ids.length
		? await db
				.select({ id: rectification.id, from: rectification.carriedFromId })
				.from(rectification)
				.where(inArray(rectification.carriedFromId, ids))
		: [];
	const copyOf = new Map(copies.map((c) => [c.from as number, c.id]));
	return rows.map(({ r, unitName, typeName, evidenceCount }) => ({
		id: r.id,
		cycleId: r.cycleId,
		unitId: r.unitId,
		unitCode: r.unitCode,
		unitName,
		source: r.source,
		sourceRef: r.sourceRef,
		typeCode: r.typeCode,
		typeName: typeName ?? r.typeCode,
		description: r.description,
		owner: r.owner,
		plan: r.plan,
		deadline: r.deadline,
		status: r.status,
		displayStatus: displayStatus(r, now),
		overdue: isOverdue(r, now),
		createdBy: r.createdBy,
		createdAt: r.createdAt.toISOString(),
		updatedAt: r.updatedAt.toISOString(),
		doneAt: iso(r.doneAt),
		verifiedAt: iso(r.verifiedAt),
		verifiedBy: r.verifiedBy,
		carriedFromId: r.carriedFromId,
		carriedToId: copyOf.get(r.id) ?? null,
		evidenceCount
	}));
}

export async function listRectifications(
	db: DbOrTx,
	filter: RectificationFilter,
	now: Date = new Date()
): Promise<RectificationView[]> {
	const where: SQL[] = [eq(rectification.cycleId, filter.cycleId)];
	if (filter.unitCode) where.push(eq(rectification.unitCode, filter.unitCode));
	if (filter.typeCode) where.push(eq(rectification.typeCode, filter.typeCode));
	const today = countyToday(now);
	if (filter.status === 'overdue') {
		where.push(
			inArray(rectification.status, ['open', 'in_progress']),
			sql`${rectification.deadline} < ${today}::date`
		);
	} else if (filter.status) {
		where.push(eq(rectification.status, filter.status));
	}
	return readViews(db, and(...where) as SQL, now);
}

/** The stored row (no scope check: callers check the unit with `assertUnitScope`). */
export async function getRectification(db: DbOrTx, id: number): Promise<Rectification> {
	if (!Number.isSafeInteger(id) || id <= 0) throw new NotFoundError('not_found');
	const [row] = await db.select().from(rectification).where(eq(rectification.id, id));
	if (!row) throw new NotFoundError('not_found');
	return row;
}

export async function getRectificationView(
	db: DbOrTx,
	id: number,
	now: Date = new Date()
): Promise<RectificationView> {
	await getRectification(db, id);
	const [view] = await readViews(db, eq(rectification.id, id), now);
	return view;
}

export async function listEvents(db: DbOrTx, id: number): Promise<RectificationEvent[]> {
	return db
		.select()
		.from(rectificationEvent)
		.where(eq(rectificationEvent.rectificationId, id))
		.orderBy(desc(rectificationEvent.at), desc(rectificationEvent.id));
}

async function addEvent(
	db: DbOrTx,
	actor: Actor,
	id: number,
	event: {
		kind: string;
		fromStatus?: RectificationStatus | null;
		toStatus?: RectificationStatus | null;
		note?: string | null;
		detail?: Record<string, unknown>;
	}
): Promise<void> {
	await db.insert(rectificationEvent).values({
		rectificationId: id,
		kind: event.kind,
		fromStatus: event.fromStatus ?? null,
		toStatus: event.toStatus ?? null,
		note: event.note || null,
		detail: event.detail ?? null,
		actorLabel: actor.label,
		actorId: actor.id
	});
}

/** The unit row of a cycle by code; a follow-up cycle has no rectification items. */
export async function unitOfCycle(db: DbOrTx, cycleId: number, unitCode: string) {
	await getCycle(db, cycleId);
	if ((await followupCycleIds(db)).has(cycleId)) throw new NotFoundError('not_found');
	const [u] = await db
		.select()
		.from(unit)
		.where(and(eq(unit.cycleId, cycleId), eq(unit.code, unitCode)));
	if (!u) throw new NotFoundError('not_found');
	return u;
}

const LOW_REF = /^(group|area):[A-Za-z0-9][A-Za-z0-9_.-]{0,49}$/;

/** What an item answers must exist and belong to the same unit and cycle. */
async function checkSource(
	db: DbOrTx,
	cycleId: number,
	unitId: number,
	unitCode: string,
	source: RectificationSource,
	ref: string | undefined
): Promise<string | null> {
	const bad = (message: string): never => {
		throw new ValidationError(message, [{ path: 'sourceRef', message }]);
	};
	const value = ref?.trim() || undefined;
	if (source === 'manual') return value ?? null;
	if (source === 'low_score') {
		if (value && !LOW_REF.test(value)) bad('invalid_source_ref');
		return value ?? null;
	}
	if (!value || !/^[1-9][0-9]{0,15}$/.test(value)) return bad('invalid_source_ref');
	const id = Number(value);
	if (source === 'comment') {
		const found = await unitComments(db, cycleId, unitId, { id, limit: 1 });
		if (!found.length) bad('unknown_comment');
	} else {
		const [a] = await db
			.select({ id: appeal.id })
			.from(appeal)
			.where(and(eq(appeal.id, id), eq(appeal.cycleId, cycleId), eq(appeal.unitCode, unitCode)));
		if (!a) bad('unknown_appeal');
	}
	return value;
}

/**
 * Creates an item for a unit of a cycle. The office and the unit itself may create one (the
 * caller has checked the unit scope); the type must be one of the cycle's problem types and the
 * deadline today or later. Items may be created in a closed cycle: rectification follows results.
 */
export async function createRectification(
	db: DbOrTx,
	actor: Actor,
	target: { cycleId: number; unitCode: string },
	input: RectificationInput,
	now: Date = new Date()
): Promise<RectificationView> {
	const u = await unitOfCycle(db, target.cycleId, target.unitCode);
	const errors: FieldError[] = [];
	await requireProblemType(db, target.cycleId, input.typeCode).catch((err) => {
		if (err instanceof ValidationError) errors.push(...(err.fields ?? []));
		else throw err;
	});
	if (input.deadline < countyToday(now)) {
		errors.push({ path: 'deadline', message: 'deadline_in_past' });
	}
	if (errors.length) throw new ValidationError('invalid_input', errors);
	const sourceRef = await checkSource(
		db,
		target.cycleId,
		u.id,
		u.code,
		input.source,
		input.sourceRef
	);
	const [row] = await db
		.insert(rectification)
		.values({
			cycleId: target.cycleId,
			unitId: u.id,
			unitCode: u.code,
			source: input.source,
			sourceRef,
			typeCode: input.typeCode,
			description: input.description,
			owner: input.owner,
			plan: input.plan ?? '',
			deadline: input.deadline,
			createdBy: actor.label,
			createdById: actor.id
		})
		.returning();
	await addEvent(db, actor, row.id, {
		kind: 'created',
		toStatus: 'open',
		detail: { source: row.source, sourceRef, deadline: row.deadline, typeCode: row.typeCode }
	});
	await appendAudit(db, actor, {
		action: 'rectification.create',
		targetType: 'rectification',
		targetId: row.id,
		cycleId: row.cycleId,
		detail: {
			unit: row.unitCode,
			source: row.source,
			typeCode: row.typeCode,
			deadline: row.deadline
		}
	});
	return getRectificationView(db, row.id, now);
}

/** Hooks the status change to `verified` runs (the follow-up result is recorded and closed). */
export interface VerifyHook {
	(db: DbOrTx, actor: Actor, item: Rectification): Promise<Record<string, unknown> | undefined>;
}

/**
 * Edits an item and/or moves its status. Units edit their own items while they are open or in
 * progress but cannot move the deadline (that would hide an overdue item); the office may change
 * anything until the item is verified, and alone verifies or sends a done item back.
 */
export async function updateRectification(
	db: DbOrTx,
	actor: Actor,
	role: FeedbackRole,
	id: number,
	patch: RectificationPatch,
	options: { now?: Date; onVerify?: VerifyHook } = {}
): Promise<RectificationView> {
	const now = options.now ?? new Date();
	const before = await getRectification(db, id);
	if (before.status === 'verified') throw new ConflictError('rectification_verified');
	const fieldsChanged: Record<string, unknown> = {};
	const set: Partial<typeof rectification.$inferInsert> = {};
	const errors: FieldError[] = [];
	const edits = (['typeCode', 'description', 'owner', 'plan', 'deadline'] as const).filter(
		(k) => patch[k] !== undefined && patch[k] !== before[k]
	);
	if (edits.length && role === 'unit_liaison' && !isActive(before.status)) {
		throw new ConflictError('rectification_locked');
	}
	for (const k of edits) {
		if (k === 'deadline') {
			if (role !== 'admin') throw new ForbiddenError('deadline_office_only');
			if ((patch.deadline as string) < countyToday(now)) {
				errors.push({ path: 'deadline', message: 'deadline_in_past' });
			}
			fieldsChanged.deadline = { before: before.deadline, after: patch.deadline };
		} else if (k === 'typeCode') {
			await requireProblemType(db, before.cycleId, patch.typeCode as string).catch((err) => {
				if (err instanceof ValidationError) errors.push(...(err.fields ?? []));
				else throw err;
			});
			fieldsChanged.typeCode = { before: before.typeCode, after: patch.typeCode };
		} else {
			fieldsChanged[k] = true;
		}
		(set as Record<string, unknown>)[k] = patch[k];
	}
	const to = patch.status;
	const moving = to !== undefined && to !== before.status;
	if (moving && !canTransition(before.status, to, role)) {
		errors.push({ path: 'status', message: 'invalid_transition' });
	}
	if (errors.length) {
		const status = errors.every((e) => e.message === 'invalid_transition') ? 'conflict' : 'input';
		if (status === 'conflict') throw new ConflictError('invalid_transition', errors);
		throw new ValidationError('invalid_input', errors);
	}
	const note = patch.note?.trim() || null;
	if (!edits.length && !moving && !note) throw new ConflictError('nothing_to_change');

	let verifyDetail: Record<string, unknown> | undefined;
	if (moving) {
		set.status = to;
		if (to === 'done') set.doneAt = now;
		if (to === 'in_progress' && before.status === 'done') set.doneAt = null;
		if (to === 'verified') {
			set.verifiedAt = now;
			set.verifiedBy = actor.label;
			verifyDetail = await options.onVerify?.(db, actor, before);
		}
	}
	if (edits.length || moving) {
		set.updatedAt = now;
		// Only if nobody moved the item in between: a stale page cannot skip a step.
		const [row] = await db
			.update(rectification)
			.set(set)
			.where(and(eq(rectification.id, id), eq(rectification.status, before.status)))
			.returning({ id: rectification.id });
		if (!row) throw new ConflictError('stale_status');
	}
	if (edits.length) {
		await addEvent(db, actor, id, { kind: 'updated', detail: { fields: fieldsChanged } });
	}
	if (moving) {
		await addEvent(db, actor, id, {
			kind: 'status',
			fromStatus: before.status,
			toStatus: to,
			note,
			detail: verifyDetail
		});
	} else if (note) {
		await addEvent(db, actor, id, { kind: 'note', note });
	}
	await appendAudit(db, actor, {
		action: moving ? 'rectification.status' : 'rectification.update',
		targetType: 'rectification',
		targetId: id,
		cycleId: before.cycleId,
		detail: {
			unit: before.unitCode,
			...(moving ? { from: before.status, to } : {}),
			...(edits.length ? { fields: Object.keys(fieldsChanged) } : {}),
			...(note ? { note: true } : {}),
			...(verifyDetail ? { followup: verifyDetail } : {})
		}
	});
	return getRectificationView(db, id, now);
}

/** Logs a reminder to the unit (the office's chase of an item); nothing is sent anywhere. */
export async function remindRectification(
	db: DbOrTx,
	actor: Actor,
	id: number,
	note?: string,
	now: Date = new Date()
): Promise<void> {
	const item = await getRectification(db, id);
	if (!isActive(item.status)) throw new ConflictError('reminder_not_needed');
	await addEvent(db, actor, id, {
		kind: 'reminder',
		note: note?.trim() || null,
		detail: { deadline: item.deadline, overdue: isOverdue(item, now) }
	});
	await appendAudit(db, actor, {
		action: 'rectification.remind',
		targetType: 'rectification',
		targetId: id,
		cycleId: item.cycleId,
		detail: { unit: item.unitCode, overdue: isOverdue(item, now) }
	});
}

/** Logs a reminder on every overdue item of the cycle; returns how many. */
export async function remindOverdue(
	db: DbOrTx,
	actor: Actor,
	cycleId: number,
	now: Date = new Date()
): Promise<number> {
	const items = await listRectifications(db, { cycleId, status: 'overdue' }, now);
	for (const i of items) {
		await addEvent(db, actor, i.id, {
			kind: 'reminder',
			detail: { deadline: i.deadline, overdue: true, bulk: true }
		});
	}
	await appendAudit(db, actor, {
		action: 'rectification.remind_overdue',
		targetType: 'cycle',
		targetId: cycleId,
		cycleId,
		detail: { items: items.map((i) => i.id) }
	});
	return items.length;
}

export interface StatusCounts {
	total: number;
	open: number;
	in_progress: number;
	done: number;
	verified: number;
	/** Active items past their deadline (also counted in open / in_progress). */
	overdue: number;
	/** verified / total; null without items. */
	solvedRate: number | null;
	/** (done + verified) / total. */
	doneRate: number | null;
}

function emptyCounts(): StatusCounts {
	return {
		total: 0,
		open: 0,
		in_progress: 0,
		done: 0,
		verified: 0,
		overdue: 0,
		solvedRate: null,
		doneRate: null
	};
}

function tally(c: StatusCounts, item: RectificationView) {
	c.total++;
	c[item.status]++;
	if (item.overdue) c.overdue++;
}

function rates(c: StatusCounts): StatusCounts {
	return {
		...c,
		solvedRate: c.total ? c.verified / c.total : null,
		doneRate: c.total ? (c.done + c.verified) / c.total : null
	};
}

export interface RectificationOverview {
	totals: StatusCounts;
	byUnit: ({ unitCode: string; unitName: string } & StatusCounts)[];
	byType: ({ typeCode: string; typeName: string } & StatusCounts)[];
	items: RectificationView[];
}

/** Status across units and problem types, for the office (counts, overdue, solved rate). */
export async function rectificationOverview(
	db: DbOrTx,
	cycleId: number,
	now: Date = new Date()
): Promise<RectificationOverview> {
	await getCycle(db, cycleId);
	const types = await listProblemTypes(db, cycleId);
	const items = await listRectifications(db, { cycleId }, now);
	const totals = emptyCounts();
	const byUnit = new Map<string, { unitCode: string; unitName: string } & StatusCounts>();
	const byType = new Map<string, { typeCode: string; typeName: string } & StatusCounts>();
	for (const t of types) {
		byType.set(t.code, { typeCode: t.code, typeName: t.name, ...emptyCounts() });
	}
	for (const i of items) {
		tally(totals, i);
		const u = byUnit.get(i.unitCode) ?? {
			unitCode: i.unitCode,
			unitName: i.unitName,
			...emptyCounts()
		};
		tally(u, i);
		byUnit.set(i.unitCode, u);
		const t = byType.get(i.typeCode) ?? {
			typeCode: i.typeCode,
			typeName: i.typeName,
			...emptyCounts()
		};
		tally(t, i);
		byType.set(i.typeCode, t);
	}
	return {
		totals: rates(totals),
		byUnit: [...byUnit.values()]
			.map((u) => ({ ...u, ...rates(u) }))
			.sort((a, b) => b.overdue - a.overdue || a.unitCode.localeCompare(b.unitCode)),
		byType: [...byType.values()].map((t) => ({ ...t, ...rates(t) })),
		items
	};
}

export interface CarryOverResult {
	created: { from: number; to: number }[];
	skipped: { id: number; reason: 'unit_not_in_target' | 'already_carried' }[];
}

/**
 * Copies the cycle's open and in-progress items into another cycle (normally the next year's),
 * each copy pointing back with `carried_from_id`, keeping its unit (by code), type, texts, deadline
 * and status; types missing in the target are added there. Items already carried are skipped, so
 * running it twice creates nothing new. The originals stay as they were, with a history entry.
 */
export async function carryOver(
	db: DbOrTx,
	actor: Actor,
	fromCycleId: number,
	toCycleId: number,
	now: Date = new Date()
): Promise<CarryOverResult> {
	if (fromCycleId === toCycleId) {
		throw new ValidationError('same_cycle', [{ path: 'targetCycleId', message: 'same_cycle' }]);
	}
	await getCycle(db, fromCycleId);
	const target = await getCycle(db, toCycleId).catch(() => {
		throw new ValidationError('cycle_not_found', [
			{ path: 'targetCycleId', message: 'cycle_not_found' }
		]);
	});
	if (target.status === 'closed' || (await followupCycleIds(db)).has(toCycleId)) {
		throw new ValidationError('target_cycle_not_open', [
			{ path: 'targetCycleId', message: 'target_cycle_not_open' }
		]);
	}
	return db.transaction(async (tx) => {
		const items = await tx
			.select()
			.from(rectification)
			.where(
				and(
					eq(rectification.cycleId, fromCycleId),
					inArray(rectification.status, ['open', 'in_progress'])
				)
			)
			.orderBy(asc(rectification.id));
		const targetUnits = await tx.select().from(unit).where(eq(unit.cycleId, toCycleId));
		const unitByCode = new Map(targetUnits.map((u) => [u.code, u]));
		const existing = items.length
			? await tx
					.select({ from: rectification.carriedFromId })
					.from(rectification)
					.where(
						and(
							eq(rectification.cycleId, toCycleId),
							inArray(
								rectification.carriedFromId,
								items.map((i) => i.id)
							)
						)
					)
			: [];
		const carried = new Set(existing.map((e) => e.from));
		const sourceTypes = await listProblemTypes(tx, fromCycleId);
		const targetTypes = new Set((await listProblemTypes(tx, toCycleId)).map((t) => t.code));
		const result: CarryOverResult = { created: [], skipped: [] };
		for (const item of items) {
			if (carried.has(item.id)) {
				result.skipped.push({ id: item.id, reason: 'already_carried' });
				continue;
			}
			const u = unitByCode.get(item.unitCode);
			if (!u) {
				result.skipped.push({ id: item.id, reason: 'unit_not_in_target' });
				continue;
			}
			if (!targetTypes.has(item.typeCode)) {
				const t = sourceTypes.find((x) => x.code === item.typeCode);
				await tx
					.insert(problemType)
					.values({
						cycleId: toCycleId,
						code: item.typeCode,
						name: t?.name ?? item.typeCode,
						sort: 1000
					})
					.onConflictDoNothing();
				targetTypes.add(item.typeCode);
			}
			const [copy] = await tx
				.insert(rectification)
				.values({
					cycleId: toCycleId,
					unitId: u.id,
					unitCode: u.code,
					source: item.source,
					// A comment or appeal id points into the old cycle; the copy keeps it as text only.
					sourceRef: item.sourceRef,
					typeCode: item.typeCode,
					description: item.description,
					owner: item.owner,
					plan: item.plan,
					deadline: item.deadline,
					status: item.status,
					createdBy: actor.label,
					createdById: actor.id,
					carriedFromId: item.id,
					createdAt: now,
					updatedAt: now
				})
				.returning({ id: rectification.id });
			await addEvent(tx, actor, copy.id, {
				kind: 'carried',
				toStatus: item.status,
				detail: { fromId: item.id, fromCycleId }
			});
			await addEvent(tx, actor, item.id, {
				kind: 'carried',
				detail: { toId: copy.id, toCycleId }
			});
			result.created.push({ from: item.id, to: copy.id });
		}
		await appendAudit(tx, actor, {
			action: 'rectification.carry_over',
			targetType: 'cycle',
			targetId: fromCycleId,
			cycleId: fromCycleId,
			detail: { toCycleId, created: result.created.length, skipped: result.skipped.length }
		});
		return result;
	});
}
