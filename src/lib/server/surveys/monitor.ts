import { and, asc, count, eq, max, sql } from 'drizzle-orm';
import type { DbOrTx } from '../db/client';
import { group, rating, submission, type Survey } from '../db/schema';
import { surveyUnits } from './survey-units';

export type SubmissionStatus = (typeof submission.status.enumValues)[number];

export interface UnitCounts {
	code: string;
	name: string;
	category: string;
	/** Every rating given, 不了解 included. */
	all: number;
	/** Ratings at a level of the scale, i.e. without 不了解. */
	rated: number;
	/** Of `rated`, those of accepted or flagged submissions (what scores count today). */
	counted: number;
}

export interface SurveyMonitor {
	total: number;
	latestAt: Date | null;
	/** Every day from the first to the last submission (zeros included), in Asia/Shanghai. */
	days: string[];
	/** Channel (null: opened without a channel) → submissions per day, aligned with `days`. */
	perDayByChannel: { channel: string | null; counts: number[] }[];
	perChannel: { channel: string | null; n: number }[];
	perGroup: { code: string; label: string; n: number }[];
	perStatus: { status: SubmissionStatus; n: number }[];
	units: UnitCounts[];
}

/** The county's calendar day of a submission: a 23:30 answer counts for that evening, not UTC's. */
const dayOf = sql<string>`to_char(${submission.receivedAt} at time zone 'Asia/Shanghai', 'YYYY-MM-DD')`;

/** Every ISO day from `first` to `last` inclusive. */
export function daysBetween(first: string, last: string): string[] {
	const out: string[] = [];
	const end = Date.parse(`${last}T00:00:00Z`);
	for (let t = Date.parse(`${first}T00:00:00Z`); t <= end && out.length < 3660; t += 86_400_000) {
		out.push(new Date(t).toISOString().slice(0, 10));
	}
	return out;
}

/**
 * Counts for the office's response monitor of one survey: submissions per day and channel, per group
 * and decision status, and ratings per unit. Plain aggregates over `submissions` and `ratings` (the
 * ratings are reached through the survey's submissions, as ratings carry no survey column).
 */
export async function surveyMonitor(db: DbOrTx, s: Survey): Promise<SurveyMonitor> {
	const ofSurvey = eq(submission.surveyId, s.id);

	const byDayChannel = await db
		.select({ day: dayOf, channel: submission.channel, n: count() })
		.from(submission)
		.where(ofSurvey)
		.groupBy(dayOf, submission.channel)
		.orderBy(dayOf);

	const [totals] = await db
		.select({ n: count(), latest: max(submission.receivedAt) })
		.from(submission)
		.where(ofSurvey);

	const byGroup = await db
		.select({ code: submission.groupCode, label: group.label, n: count() })
		.from(submission)
		.leftJoin(group, and(eq(group.cycleId, s.cycleId), eq(group.code, submission.groupCode)))
		.where(ofSurvey)
		.groupBy(submission.groupCode, group.label, group.sort)
		.orderBy(asc(group.sort), asc(submission.groupCode));

	const byStatus = await db
		.select({ status: submission.status, n: count() })
		.from(submission)
		.where(ofSurvey)
		.groupBy(submission.status);

	const perUnit = await db
		.select({
			unitId: rating.unitId,
			all: count(),
			rated: sql<number>`count(*) filter (where ${rating.value} is not null)`.mapWith(Number),
			// Rating status codes: 0 accepted, 1 flagged (counted); 2 quarantined, 3 excluded (not).
			counted:
				sql<number>`count(*) filter (where ${rating.value} is not null and ${rating.status} in (0, 1))`.mapWith(
					Number
				)
		})
		.from(rating)
		.innerJoin(submission, eq(submission.id, rating.submissionId))
		.where(ofSurvey)
		.groupBy(rating.unitId);

	const counts = new Map(perUnit.map((r) => [r.unitId, r]));
	const listed = await surveyUnits(db, s);
	const listedIds = new Set(listed.map((u) => u.id));
	const zero = { all: 0, rated: 0, counted: 0 };
	const units: UnitCounts[] = listed.map((u) => {
		const c = (u.id !== null && counts.get(u.id)) || zero;
		return {
			code: u.code,
			name: u.name,
			category: u.category,
			all: c.all,
			rated: c.rated,
			counted: c.counted
		};
	});
	// Ratings of units no longer in the survey's list (a draft's selection changed) are still shown.
	for (const r of perUnit) {
		if (listedIds.has(r.unitId)) continue;
		units.push({
			code: `#${r.unitId}`,
			name: `#${r.unitId}`,
			category: '',
			all: r.all,
			rated: r.rated,
			counted: r.counted
		});
	}

	const days = byDayChannel.length
		? daysBetween(byDayChannel[0].day, byDayChannel[byDayChannel.length - 1].day)
		: [];
	const dayIndex = new Map(days.map((d, i) => [d, i]));
	const channels = new Map<string | null, number[]>();
	for (const r of byDayChannel) {
		let series = channels.get(r.channel);
		if (!series) channels.set(r.channel, (series = days.map(() => 0)));
		series[dayIndex.get(r.day)!] += r.n;
	}
	const perDayByChannel = [...channels.entries()]
		.map(([channel, counts]) => ({ channel, counts }))
		.sort(
			(a, b) => sum(b.counts) - sum(a.counts) || String(a.channel).localeCompare(String(b.channel))
		);

	const statusOrder = submission.status.enumValues;
	return {
		total: totals?.n ?? 0,
		latestAt: totals?.latest ? new Date(totals.latest) : null,
		days,
		perDayByChannel,
		perChannel: perDayByChannel.map((c) => ({ channel: c.channel, n: sum(c.counts) })),
		perGroup: byGroup.map((g) => ({ code: g.code, label: g.label ?? g.code, n: g.n })),
		perStatus: statusOrder.map((status) => ({
			status,
			n: byStatus.find((b) => b.status === status)?.n ?? 0
		})),
		units
	};
}

function sum(xs: number[]): number {
	return xs.reduce((a, b) => a + b, 0);
}
