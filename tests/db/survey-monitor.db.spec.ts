import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eq } from 'drizzle-orm';
import { createTestDb } from '$lib/server/db/testing';
import type { Db, DbHandle } from '$lib/server/db/client';
import { group, rating, submission, unit, type Survey } from '$lib/server/db/schema';
import { importCycle } from '$lib/server/cycles/cycle-document';
import { getSurveyBySlug, publishSurvey } from '$lib/server/surveys/surveys';
import { daysBetween, surveyMonitor } from '$lib/server/surveys/monitor';
import { cycleDocumentSchema } from '$lib/schemas/cycle-document';
import { admin } from '../fixtures/db';
import { sampleCycleDocument } from '../fixtures/cycle';

let handle: DbHandle;
let db: Db;
let residents: Survey;
let deputies: Survey;
let unitId: Map<string, number>;
let groupId: Map<string, number>;

type Status = 'accepted' | 'flagged' | 'quarantined' | 'excluded';
const statusCode: Record<Status, number> = { accepted: 0, flagged: 1, quarantined: 2, excluded: 3 };

/** One submission with its ratings, written directly (the submit pipeline is not under test here). */
async function submit(
	s: Survey,
	opts: {
		group: string;
		channel: string | null;
		at: string;
		status: Status;
		ratings: Record<string, number | null>;
	}
) {
	const [row] = await db
		.insert(submission)
		.values({
			surveyId: s.id,
			clientId: randomUUID(),
			receipt: randomUUID().slice(0, 8),
			groupCode: opts.group,
			channel: opts.channel,
			receivedAt: new Date(opts.at),
			status: opts.status
		})
		.returning({ id: submission.id });
	const entries = Object.entries(opts.ratings);
	if (!entries.length) return;
	await db.insert(rating).values(
		entries.map(([code, value]) => ({
			submissionId: row.id,
			unitId: unitId.get(code)!,
			groupId: groupId.get(opts.group)!,
			level: value === null ? 0 : 1,
			value,
			status: statusCode[opts.status],
			day: opts.at.slice(0, 10)
		}))
	);
}

beforeAll(async () => {
	handle = await createTestDb();
	db = handle.db;
	const cycleId = await importCycle(
		db,
		admin,
		cycleDocumentSchema.parse(sampleCycleDocument(2025, 'mon'))
	);
	residents = await publishSurvey(db, admin, 'mon-residents-2025');
	deputies = await getSurveyBySlug(db, 'mon-deputies-2025');
	unitId = new Map(
		(await db.select().from(unit).where(eq(unit.cycleId, cycleId))).map((u) => [u.code, u.id])
	);
	groupId = new Map(
		(await db.select().from(group).where(eq(group.cycleId, cycleId))).map((g) => [g.code, g.id])
	);
	// 23:30 in the county on 1 October (15:30 UTC) and 00:30 on 2 October (16:30 UTC).
	await submit(residents, {
		group: 'residents',
		channel: 'qr',
		at: '2025-10-01T15:30:00Z',
		status: 'accepted',
		ratings: { TW01: 100, D01: null }
	});
	await submit(residents, {
		group: 'residents',
		channel: 'qr',
		at: '2025-10-01T16:30:00Z',
		status: 'flagged',
		ratings: { TW01: 80, TW02: null }
	});
	await submit(residents, {
		group: 'service_recipients',
		channel: null,
		at: '2025-10-04T02:00:00Z',
		status: 'quarantined',
		ratings: { TW01: 60 }
	});
	await submit(residents, {
		group: 'residents',
		channel: 'sms',
		at: '2025-10-04T03:00:00Z',
		status: 'excluded',
		ratings: { TW01: 0, D02: 100 }
	});
	// Another survey of the same cycle: never counted in the residents' monitor.
	await submit(deputies, {
		group: 'deputies',
		channel: 'push',
		at: '2025-10-02T03:00:00Z',
		status: 'accepted',
		ratings: { TW01: 100 }
	});
});
afterAll(async () => {
	await handle?.close();
});

describe('survey response monitor', () => {
	it('counts submissions per county day and channel, with the empty days filled in', async () => {
		const mon = await surveyMonitor(db, residents);
		expect(mon.total).toBe(4);
		expect(mon.latestAt?.toISOString()).toBe('2025-10-04T03:00:00.000Z');
		expect(mon.days).toEqual(['2025-10-01', '2025-10-02', '2025-10-03', '2025-10-04']);
		expect(mon.perDayByChannel).toEqual([
			{ channel: 'qr', counts: [1, 1, 0, 0] },
			{ channel: null, counts: [0, 0, 0, 1] },
			{ channel: 'sms', counts: [0, 0, 0, 1] }
		]);
		expect(mon.perChannel).toEqual([
			{ channel: 'qr', n: 2 },
			{ channel: null, n: 1 },
			{ channel: 'sms', n: 1 }
		]);
	});

	it('counts submissions per group (with labels, in the cycle order) and per status', async () => {
		const mon = await surveyMonitor(db, residents);
		expect(mon.perGroup).toEqual([
			{ code: 'residents', label: '群众', n: 3 },
			{ code: 'service_recipients', label: '服务对象', n: 1 }
		]);
		expect(mon.perStatus).toEqual([
			{ status: 'accepted', n: 1 },
			{ status: 'flagged', n: 1 },
			{ status: 'quarantined', n: 1 },
			{ status: 'excluded', n: 1 }
		]);
	});

	it('counts ratings per unit: all, without 不了解, and those that scores count', async () => {
		const mon = await surveyMonitor(db, residents);
		expect(mon.units.map((u) => [u.code, u.all, u.rated, u.counted])).toEqual([
			['TW01', 4, 4, 2],
			['TW02', 1, 0, 0],
			['D01', 1, 0, 0],
			['D02', 1, 1, 0],
			['D03', 0, 0, 0]
		]);
		expect(mon.units[0]).toMatchObject({ name: '河口镇', category: '乡镇' });
	});

	it('answers zeros for a survey without submissions, listing the units of its selection', async () => {
		await db.delete(submission).where(eq(submission.surveyId, deputies.id));
		const mon = await surveyMonitor(db, deputies);
		expect(mon).toMatchObject({ total: 0, latestAt: null, days: [], perDayByChannel: [] });
		expect(mon.perGroup).toEqual([]);
		expect(mon.perStatus.every((s) => s.n === 0)).toBe(true);
		expect(mon.units.map((u) => [u.code, u.all])).toEqual([
			['TW01', 0],
			['D01', 0],
			['D03', 0]
		]);
	});

	it('lists calendar days across month ends', () => {
		expect(daysBetween('2025-10-30', '2025-11-02')).toEqual([
			'2025-10-30',
			'2025-10-31',
			'2025-11-01',
			'2025-11-02'
		]);
		expect(daysBetween('2025-10-02', '2025-10-01')).toEqual([]);
	});
});
