import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { and, eq } from 'drizzle-orm';
import { createTestDb } from '$lib/server/db/testing';
import type { DbHandle } from '$lib/server/db/client';
import { auditLog, comment, cycle, survey } from '$lib/server/db/schema';
import { evidenceFile, rectificationEvent } from '$lib/server/db/schema/feedback';
import {
	ConflictError,
	DomainError,
	ForbiddenError,
	NotFoundError,
	ValidationError
} from '$lib/server/errors';
import { resetEnvCache } from '$lib/server/env';
import {
	answers,
	createRatingsCycle,
	factoryIds,
	insertSubmissions,
	scoringTestDocument,
	workedExampleAnswers,
	type FactoryCycle
} from '$lib/server/testing/ratings-factory';
import { createSnapshot, publishSnapshot } from '$lib/server/scoring/snapshots';
import { recomputeFromRatings } from '$lib/server/scoring/compute';
import { setCycleStatus } from '$lib/server/cycles/cycles';
import { addDays, countyToday } from '$lib/feedback/rectification';
import type { RectificationInput } from '$lib/schemas/feedback';
import {
	carryOver,
	createRectification,
	getRectification,
	listEvents,
	listRectifications,
	rectificationOverview,
	remindOverdue,
	updateRectification
} from '$lib/server/feedback/rectifications';
import {
	DEFAULT_PROBLEM_TYPES,
	deleteProblemType,
	listProblemTypes,
	saveProblemType
} from '$lib/server/feedback/problem-types';
import { addEvidence, listEvidence, readEvidence } from '$lib/server/feedback/evidence';
import { listCycleComments, moderateComment, unitComments } from '$lib/server/feedback/comments';
import { saveFeedbackSettings } from '$lib/server/feedback/settings';
import {
	countFollowup,
	createFollowup,
	finishFollowup,
	getFollowup
} from '$lib/server/feedback/followups';
import { listPublicSurveys } from '$lib/server/surveys/public-surveys';
import { answerAppeal, createAppeal } from '$lib/server/feedback/appeals';
import { portalCycle, unitPortal } from '$lib/server/feedback/portal';
import { assertUnitScope } from '$lib/server/feedback/access';

const office = { id: null, label: 'office@test.local' };
const liaison = { id: null, label: 'liaison@zhen1.local' };
const now = new Date('2026-04-01T02:00:00Z');
const today = countyToday(now);

let h: DbHandle;
let last: FactoryCycle;
let fc: FactoryCycle;

function input(over: Partial<RectificationInput> = {}): RectificationInput {
	return {
		typeCode: 'efficiency',
		description: '便民服务中心办事排队时间长',
		owner: '张主任',
		plan: '增设窗口，推行预约',
		deadline: addDays(today, 30),
		source: 'manual',
		...over
	};
}

beforeAll(async () => {
	h = await createTestDb();
	const lastDoc = scoringTestDocument('last');
	lastDoc.cycle.year = 2024;
	last = await createRatingsCycle(h.db, lastDoc);
	await insertSubmissions(h.db, last, workedExampleAnswers('zhen1'));
	await publishSnapshot(
		h.db,
		office,
		last.cycleId,
		(await createSnapshot(h.db, office, last.cycleId)).id
	);
	fc = await createRatingsCycle(h.db, scoringTestDocument('now'));
	await insertSubmissions(h.db, fc, [
		...workedExampleAnswers('zhen1'),
		...answers('zhen1', 'residents', 'B', { 0: 12 }),
		...workedExampleAnswers('zhen2')
	]);
});
afterAll(async () => {
	await h?.close();
});
afterEach(() => {
	delete process.env.EVIDENCE_MAX_BYTES;
	delete process.env.EVIDENCE_DIR;
	resetEnvCache();
});

describe('problem types', () => {
	it('are seeded with defaults on first use and configurable', async () => {
		const types = await listProblemTypes(h.db, fc.cycleId);
		expect(types.map((t) => t.code)).toEqual(DEFAULT_PROBLEM_TYPES.map((t) => t.code));
		await saveProblemType(h.db, office, fc.cycleId, { code: 'noise', name: '噪声扰民' });
		await saveProblemType(h.db, office, fc.cycleId, { code: 'noise', name: '夜间噪声' });
		const again = await listProblemTypes(h.db, fc.cycleId);
		expect(again.find((t) => t.code === 'noise')?.name).toBe('夜间噪声');
		await deleteProblemType(h.db, office, fc.cycleId, 'noise');
		await expect(deleteProblemType(h.db, office, fc.cycleId, 'noise')).rejects.toThrow(
			NotFoundError
		);
	});
});

describe('rectification items', () => {
	it('refuses a past deadline, an unknown type and an unknown unit with clear errors', async () => {
		const err = await createRectification(
			h.db,
			liaison,
			{ cycleId: fc.cycleId, unitCode: 'zhen1' },
			input({ deadline: addDays(today, -1), typeCode: 'nope' }),
			now
		).catch((e) => e);
		expect(err).toBeInstanceOf(ValidationError);
		expect((err as ValidationError).fields).toEqual([
			{ path: 'typeCode', message: 'unknown_problem_type' },
			{ path: 'deadline', message: 'deadline_in_past' }
		]);
		await expect(
			createRectification(h.db, liaison, { cycleId: fc.cycleId, unitCode: 'nowhere' }, input(), now)
		).rejects.toThrow(NotFoundError);
		// Today is still in time.
		const ok = await createRectification(
			h.db,
			liaison,
			{ cycleId: fc.cycleId, unitCode: 'zhen1' },
			input({ deadline: today }),
			now
		);
		expect(ok.status).toBe('open');
		expect(ok.overdue).toBe(false);
	});

	it('checks what an item refers to', async () => {
		const bad = (over: Partial<RectificationInput>) =>
			createRectification(
				h.db,
				liaison,
				{ cycleId: fc.cycleId, unitCode: 'zhen1' },
				input(over),
				now
			).catch((e) => (e as ValidationError).fields?.[0]?.message);
		expect(await bad({ source: 'low_score', sourceRef: 'drop table' })).toBe('invalid_source_ref');
		expect(await bad({ source: 'comment', sourceRef: '999999' })).toBe('unknown_comment');
		expect(await bad({ source: 'appeal', sourceRef: '1' })).toBe('unknown_appeal');
		const low = await createRectification(
			h.db,
			liaison,
			{ cycleId: fc.cycleId, unitCode: 'zhen1' },
			input({ source: 'low_score', sourceRef: 'area:B' }),
			now
		);
		expect(low.sourceRef).toBe('area:B');
	});

	it('moves open → in_progress → done → verified, units cannot verify or skip steps', async () => {
		const item = await createRectification(
			h.db,
			liaison,
			{ cycleId: fc.cycleId, unitCode: 'zhen1' },
			input(),
			now
		);
		const move = (
			role: 'admin' | 'unit_liaison',
			status: 'in_progress' | 'done' | 'verified' | 'open',
			note?: string
		) =>
			updateRectification(
				h.db,
				role === 'admin' ? office : liaison,
				role,
				item.id,
				{ status, note },
				{ now }
			);
		await expect(move('unit_liaison', 'done')).rejects.toThrow(ConflictError);
		await move('unit_liaison', 'in_progress', '已召开专题会');
		await expect(
			updateRectification(
				h.db,
				liaison,
				'unit_liaison',
				item.id,
				{ deadline: addDays(today, 90) },
				{ now }
			)
		).rejects.toThrow(ForbiddenError);
		await move('unit_liaison', 'done', '已增设两个窗口');
		await expect(move('unit_liaison', 'verified')).rejects.toThrow(ConflictError);
		await expect(
			updateRectification(h.db, liaison, 'unit_liaison', item.id, { plan: '改' }, { now })
		).rejects.toThrow(ConflictError);
		// The office sends it back once, then verifies.
		await move('admin', 'in_progress', '佐证不足');
		await move('unit_liaison', 'done');
		const verified = await move('admin', 'verified');
		expect(verified.status).toBe('verified');
		expect(verified.verifiedBy).toBe(office.label);
		await expect(move('admin', 'in_progress')).rejects.toThrow(ConflictError);
		const events = await listEvents(h.db, item.id);
		expect(events.filter((e) => e.kind === 'status').map((e) => e.toStatus)).toEqual([
			'verified',
			'done',
			'in_progress',
			'done',
			'in_progress'
		]);
		const audit = await h.db
			.select()
			.from(auditLog)
			.where(
				and(eq(auditLog.action, 'rectification.status'), eq(auditLog.targetId, String(item.id)))
			);
		expect(audit).toHaveLength(5);
	});

	it('derives overdue from the deadline, highlights it in the overview and logs reminders', async () => {
		const item = await createRectification(
			h.db,
			office,
			{ cycleId: fc.cycleId, unitCode: 'zhen2' },
			input({ deadline: addDays(today, 2), typeCode: 'conduct' }),
			now
		);
		const later = new Date(now.getTime() + 4 * 86_400_000);
		const overdue = await listRectifications(
			h.db,
			{ cycleId: fc.cycleId, status: 'overdue' },
			later
		);
		expect(overdue.map((i) => i.id)).toContain(item.id);
		expect(overdue.every((i) => i.displayStatus === 'overdue')).toBe(true);
		const stillInTime = await listRectifications(
			h.db,
			{ cycleId: fc.cycleId, status: 'overdue' },
			now
		);
		expect(stillInTime.map((i) => i.id)).not.toContain(item.id);
		// Stored status is unchanged: overdue is never written.
		expect((await getRectification(h.db, item.id)).status).toBe('open');

		const ov = await rectificationOverview(h.db, fc.cycleId, later);
		expect(ov.totals.overdue).toBeGreaterThanOrEqual(1);
		expect(ov.byUnit.find((u) => u.unitCode === 'zhen2')?.overdue).toBe(1);
		expect(ov.byType.find((t) => t.typeCode === 'conduct')?.overdue).toBe(1);
		expect(ov.totals.solvedRate).toBeCloseTo(ov.totals.verified / ov.totals.total, 10);

		const n = await remindOverdue(h.db, office, fc.cycleId, later);
		expect(n).toBe(overdue.length);
		const events = await listEvents(h.db, item.id);
		expect(events[0].kind).toBe('reminder');
		// The office may extend the deadline (not into the past); then it is no longer overdue.
		await expect(
			updateRectification(
				h.db,
				office,
				'admin',
				item.id,
				{ deadline: addDays(today, 1) },
				{ now: later }
			)
		).rejects.toThrow(ValidationError);
		await updateRectification(
			h.db,
			office,
			'admin',
			item.id,
			{ deadline: addDays(today, 30) },
			{ now: later }
		);
		const after = await listRectifications(h.db, { cycleId: fc.cycleId, status: 'overdue' }, later);
		expect(after.map((i) => i.id)).not.toContain(item.id);
	});

	it('carries open and in-progress items into the next cycle once, with carried_from_id', async () => {
		const doc = scoringTestDocument('next');
		doc.cycle.year = 2027;
		doc.units = doc.units!.filter((u) => u.code !== 'zhen2');
		const next = await createRatingsCycle(h.db, doc);
		const active = await listRectifications(h.db, { cycleId: fc.cycleId }, now);
		const open = active.filter((i) => i.status === 'open' || i.status === 'in_progress');
		const r = await carryOver(h.db, office, fc.cycleId, next.cycleId, now);
		const zhen2 = open.filter((i) => i.unitCode === 'zhen2').map((i) => i.id);
		expect(r.skipped.filter((s) => s.reason === 'unit_not_in_target').map((s) => s.id)).toEqual(
			zhen2
		);
		expect(r.created).toHaveLength(open.length - zhen2.length);
		const copies = await listRectifications(h.db, { cycleId: next.cycleId }, now);
		expect(copies.map((c) => c.carriedFromId).sort()).toEqual(r.created.map((c) => c.from).sort());
		expect(copies.every((c) => c.unitId === next.unitId.get(c.unitCode))).toBe(true);
		const originals = await listRectifications(h.db, { cycleId: fc.cycleId }, now);
		expect(originals.find((o) => o.id === r.created[0].from)?.carriedToId).toBe(r.created[0].to);
		// Again: nothing new.
		const again = await carryOver(h.db, office, fc.cycleId, next.cycleId, now);
		expect(again.created).toEqual([]);
		// Not into the same cycle, not into a closed one.
		await expect(carryOver(h.db, office, fc.cycleId, fc.cycleId, now)).rejects.toThrow(
			ValidationError
		);
		await setCycleStatus(h.db, office, next.cycleId, 'closed');
		await expect(carryOver(h.db, office, fc.cycleId, next.cycleId, now)).rejects.toThrow(
			ValidationError
		);
	});
});

describe('evidence uploads', () => {
	const pdf = new Uint8Array(Buffer.from('%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n'));
	let itemId: number;
	beforeAll(async () => {
		itemId = (
			await createRectification(
				h.db,
				liaison,
				{ cycleId: fc.cycleId, unitCode: 'zhen1' },
				input(),
				now
			)
		).id;
	});

	it('stores an allowed file in the database and reads it back', async () => {
		const f = await addEvidence(h.db, liaison, itemId, { name: '整改报告.pdf', bytes: pdf });
		expect(f.mime).toBe('application/pdf');
		expect(f.size).toBe(pdf.length);
		const back = await readEvidence(h.db, itemId, f.id);
		expect(Buffer.from(back.bytes).equals(Buffer.from(pdf))).toBe(true);
		expect((await listEvidence(h.db, itemId)).map((x) => x.filename)).toEqual(['整改报告.pdf']);
		// Another item's id does not reach this file.
		await expect(readEvidence(h.db, itemId + 1000, f.id)).rejects.toThrow(NotFoundError);
	});

	it('refuses empty, oversized, executable, script and mislabelled files', async () => {
		process.env.EVIDENCE_MAX_BYTES = '2048';
		resetEnvCache();
		const refuse = async (name: string, bytes: Uint8Array) => {
			const e = (await addEvidence(h.db, liaison, itemId, { name, bytes }).catch(
				(x) => x
			)) as DomainError;
			expect(e).toBeInstanceOf(DomainError);
			return [e.status, e.message];
		};
		expect(await refuse('a.pdf', new Uint8Array())).toEqual([400, 'empty_file']);
		const big = new Uint8Array(4096);
		big.set(pdf);
		expect(await refuse('big.pdf', big)).toEqual([413, 'file_too_large']);
		expect(await refuse('setup.exe', new Uint8Array(Buffer.from('MZ\x90\x00\x03')))).toEqual([
			415,
			'executable_refused'
		]);
		expect(await refuse('run.sh', new Uint8Array(Buffer.from('#!/bin/sh\necho hi')))).toEqual([
			415,
			'executable_refused'
		]);
		expect(await refuse('report.pdf.exe', pdf)).toEqual([415, 'extension_mismatch']);
		expect(await refuse('notes.txt', new Uint8Array(Buffer.from('just text')))).toEqual([
			415,
			'unsupported_file_type'
		]);
		const rows = await h.db
			.select()
			.from(evidenceFile)
			.where(eq(evidenceFile.rectificationId, itemId));
		expect(rows.every((r) => r.mime === 'application/pdf')).toBe(true);
	});

	it('writes to EVIDENCE_DIR when configured', async () => {
		const dir = mkdtempSync(path.join(tmpdir(), 'pingyi-evidence-'));
		try {
			process.env.EVIDENCE_DIR = dir;
			resetEnvCache();
			const png = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 1, 2, 3]);
			const f = await addEvidence(h.db, liaison, itemId, { name: '现场照片.png', bytes: png });
			const [row] = await h.db.select().from(evidenceFile).where(eq(evidenceFile.id, f.id));
			expect(row.data).toBeNull();
			expect(readFileSync(path.join(dir, row.path!))).toEqual(Buffer.from(png));
			expect(Buffer.from((await readEvidence(h.db, itemId, f.id)).bytes)).toEqual(Buffer.from(png));
		} finally {
			rmSync(dir, { recursive: true, force: true });
		}
	});

	it('refuses uploads on a verified item', async () => {
		const item = await createRectification(
			h.db,
			liaison,
			{ cycleId: fc.cycleId, unitCode: 'zhen1' },
			input(),
			now
		);
		for (const status of ['in_progress', 'done'] as const) {
			await updateRectification(h.db, liaison, 'unit_liaison', item.id, { status }, { now });
		}
		await updateRectification(h.db, office, 'admin', item.id, { status: 'verified' }, { now });
		await expect(
			addEvidence(h.db, liaison, item.id, { name: 'a.pdf', bytes: pdf })
		).rejects.toThrow(ConflictError);
	});
});

describe('comments for units', () => {
	it('are redacted, never shown when hidden, and need approval when the cycle asks', async () => {
		const unitId = fc.unitId.get('zhen1')!;
		const [a, b] = await h.db
			.insert(comment)
			.values([
				{ submissionId: 1, surveyId: fc.surveyId, unitId, body: '窗口态度差，我电话13812345678' },
				{ submissionId: 2, surveyId: fc.surveyId, unitId, body: '骂人的话' }
			])
			.returning();
		const visible = await unitComments(h.db, fc.cycleId, unitId);
		expect(visible.map((c) => c.text)).toEqual(['骂人的话', '窗口态度差，我电话[电话]']);
		await expect(moderateComment(h.db, office, fc.cycleId, b.id, 'hide')).rejects.toThrow(
			ValidationError
		);
		await moderateComment(h.db, office, fc.cycleId, b.id, 'hide', '辱骂');
		expect((await unitComments(h.db, fc.cycleId, unitId)).map((c) => c.id)).toEqual([a.id]);
		await saveFeedbackSettings(h.db, office, fc.cycleId, { requireApproval: true });
		expect(await unitComments(h.db, fc.cycleId, unitId)).toEqual([]);
		await moderateComment(h.db, office, fc.cycleId, a.id, 'show');
		expect((await unitComments(h.db, fc.cycleId, unitId)).map((c) => c.id)).toEqual([a.id]);
		await saveFeedbackSettings(h.db, office, fc.cycleId, { requireApproval: false });
		// The console sees redacted texts too, and what was removed.
		const list = await listCycleComments(h.db, fc.cycleId, { unitCode: 'zhen1' });
		expect(list.items.find((c) => c.id === a.id)).toMatchObject({
			text: '窗口态度差，我电话[电话]',
			found: { phone: 1 },
			moderation: 'shown'
		});
		const hide = await h.db.select().from(auditLog).where(eq(auditLog.action, 'comment.hide'));
		expect(hide[0].detail).toEqual({ reason: '辱骂' });
		// Another cycle's id does not reach the comment.
		await expect(moderateComment(h.db, office, last.cycleId, a.id, 'show')).rejects.toThrow(
			NotFoundError
		);
	});
});

describe('follow-up (回访)', () => {
	it('runs a one-question survey in a separate cycle; the office verifies with its result', async () => {
		const before = await recomputeFromRatings(h.db, fc.cycleId);
		const item = await createRectification(
			h.db,
			liaison,
			{ cycleId: fc.cycleId, unitCode: 'zhen1' },
			input(),
			now
		);
		await expect(createFollowup(h.db, office, item.id)).rejects.toThrow(ConflictError);
		for (const status of ['in_progress', 'done'] as const) {
			await updateRectification(h.db, liaison, 'unit_liaison', item.id, { status }, { now });
		}
		const f = await createFollowup(h.db, office, item.id);
		expect(f.slug).toMatch(new RegExp(`^fu-${item.id}-[0-9a-f]{8}$`));
		expect(f.question).toContain('镇1');
		await expect(createFollowup(h.db, office, item.id)).rejects.toThrow(ConflictError);
		const [s] = await h.db.select().from(survey).where(eq(survey.slug, f.slug));
		expect(s.status).toBe('published');
		expect(s.cycleId).not.toBe(fc.cycleId);
		expect(s.definition.frozenUnits).toEqual(['zhen1']);
		const [fcycle] = await h.db.select().from(cycle).where(eq(cycle.id, s.cycleId));
		expect(fcycle.status).toBe('draft');
		// Open, yet not on the public home page: it reaches the residents concerned by its own link.
		const during = new Date((s.opensAt ?? now).getTime() + 1000);
		expect(s.closesAt === null || s.closesAt > during).toBe(true);
		expect((await listPublicSurveys(h.db, during)).map((p) => p.slug)).not.toContain(f.slug);

		// Residents answer the follow-up.
		const fu = await factoryIds(h.db, s.cycleId);
		await insertSubmissions(h.db, fu, [
			...answers('zhen1', 'residents', null, { 100: 3, 80: 1, 0: 1 }, 1),
			...answers('zhen1', 'residents', null, { 0: 5 }, 0, { status: 'quarantined' })
		]);
		const result = await countFollowup(h.db, s.id);
		expect(result).toMatchObject({ n: 5, nDontKnow: 1, score: 76, satisfiedShare: 0.8 });
		expect((await getFollowup(h.db, item.id))?.result?.n).toBe(5);

		// The assessed cycle's scores do not see the follow-up answers.
		const after = await recomputeFromRatings(h.db, fc.cycleId);
		expect(after.items.find((i) => i.unit === 'zhen1')?.nSubmitted).toBe(
			before.items.find((i) => i.unit === 'zhen1')?.nSubmitted
		);
		// The follow-up cycle is never a unit's portal cycle.
		expect((await portalCycle(h.db, 'zhen1')).cycle.id).not.toBe(s.cycleId);

		await updateRectification(
			h.db,
			office,
			'admin',
			item.id,
			{ status: 'verified' },
			{
				now,
				onVerify: finishFollowup
			}
		);
		const [closed] = await h.db.select().from(survey).where(eq(survey.id, s.id));
		expect(closed.status).toBe('closed');
		const [ev] = await h.db
			.select()
			.from(rectificationEvent)
			.where(
				and(
					eq(rectificationEvent.rectificationId, item.id),
					eq(rectificationEvent.toStatus, 'verified')
				)
			);
		expect(ev.detail).toMatchObject({ n: 5, score: 76 });
		// A second item reuses the same follow-up cycle.
		const other = await createRectification(
			h.db,
			liaison,
			{ cycleId: fc.cycleId, unitCode: 'zhen2' },
			input(),
			now
		);
		for (const status of ['in_progress', 'done'] as const) {
			await updateRectification(h.db, office, 'admin', other.id, { status }, { now });
		}
		const f2 = await createFollowup(h.db, office, other.id);
		const [s2] = await h.db.select().from(survey).where(eq(survey.slug, f2.slug));
		expect(s2.cycleId).toBe(s.cycleId);
	});
});

describe('appeals and the portal', () => {
	it('opens a window after publication; the office answers with aggregates only', async () => {
		await expect(
			createAppeal(h.db, liaison, fc.cycleId, 'zhen1', '我们认为样本偏少', now)
		).rejects.toThrow('appeal_not_published');
		const snap = await createSnapshot(h.db, office, fc.cycleId);
		await publishSnapshot(h.db, office, fc.cycleId, snap.id);
		const a = await createAppeal(
			h.db,
			liaison,
			fc.cycleId,
			'zhen1',
			'乙村样本偏少，不能代表全镇',
			new Date()
		);
		expect(a.status).toBe('pending');
		await expect(
			createAppeal(h.db, liaison, fc.cycleId, 'zhen1', '再申诉一次试试看看', new Date())
		).rejects.toThrow('appeal_pending');
		const late = new Date(Date.now() + 11 * 86_400_000);
		await expect(
			createAppeal(h.db, liaison, fc.cycleId, 'zhen2', '理由理由理由理由理由', late)
		).rejects.toThrow('appeal_window_passed');
		const answered = await answerAppeal(h.db, office, a.id, {
			outcome: 'maintained',
			response: '样本量符合规则'
		});
		expect(answered.status).toBe('maintained');
		const ev = answered.evidence!;
		expect(ev.groups.map((g) => g.group)).toEqual(['residents', 'service_recipients', 'deputies']);
		expect(ev.distribution.reduce((t, d) => t + d.n, 0)).toBeGreaterThan(0);
		const json = JSON.stringify(ev);
		expect(json).not.toMatch(/receipt|submission|ip_|device|phone/i);
		await expect(
			answerAppeal(h.db, office, a.id, { outcome: 'revised', response: 'x' })
		).rejects.toThrow(ConflictError);
		// An item may come from the appeal.
		const fromAppeal = await createRectification(
			h.db,
			liaison,
			{ cycleId: fc.cycleId, unitCode: 'zhen1' },
			input({ source: 'appeal', sourceRef: String(a.id) }),
			now
		);
		expect(fromAppeal.source).toBe('appeal');
	});

	it('shows the published result, low items, trend and only the unit’s own data', async () => {
		// The newest cycle with the unit (the 2027 one of the carry-over test) has nothing published.
		const newest = await unitPortal(h.db, 'zhen1', { now });
		expect(newest.cycle.year).toBe(2027);
		expect(newest.published).toBeNull();
		expect(newest.lastCycle?.cycle.id).toBe(fc.cycleId);
		const p = await unitPortal(h.db, 'zhen1', { cycleId: fc.cycleId, now });
		expect(p.cycle.id).toBe(fc.cycleId);
		expect(p.published?.item?.unit).toBe('zhen1');
		expect(p.published?.groups.map((g) => g.group)).toEqual([
			'residents',
			'service_recipients',
			'deputies'
		]);
		// Village B got 12 extra dissatisfied answers: it is the lowest item.
		expect(p.lowItems[0]).toMatchObject({ ref: 'area:B', kind: 'area' });
		expect(p.areas.find((a) => a.area === 'A')?.suppressed).toBe(false);
		expect(p.lastCycle?.cycle.id).toBe(last.cycleId);
		expect(p.lastCycle?.score).toBeCloseTo(82.0343, 3);
		expect(p.rectifications.every((r) => r.unitCode === 'zhen1')).toBe(true);
		expect(p.appeals.every((a) => a.unitCode === 'zhen1')).toBe(true);
		expect(p.comments.every((c) => !/1381234/.test(c.text))).toBe(true);
		// Scope rule.
		const liaisonUser = { id: 1, email: 'l@x', role: 'unit_liaison' as const, unitCode: 'zhen1' };
		expect(assertUnitScope(liaisonUser, 'zhen1')).toBe('unit_liaison');
		expect(() => assertUnitScope(liaisonUser, 'zhen2')).toThrow(NotFoundError);
		expect(() => assertUnitScope({ ...liaisonUser, role: 'viewer' }, 'zhen1')).toThrow(
			ForbiddenError
		);
	});
});
