import { and, asc, eq, gt, inArray } from 'drizzle-orm';
import type { DbOrTx } from '../db/client';
import { rating, submission, unit } from '../db/schema';
import type { SurveyView } from '../surveys/survey-view';

export interface ResponseListItem {
	submissionId: string;
	receipt: string;
	receivedAt: Date;
	group: string;
	subgroup: string | null;
	area: string | null;
	channel: string | null;
	source: string;
	durationMs: number | null;
	status: string;
	risk: number;
	weight: number;
	reasons: string[];
	/** unit code → level code (or the don't-know code); only with `includeRatings`. */
	ratings?: Record<string, string>;
}

/**
 * Submissions of a survey for the office and reviewers, newest last, keyset-paged by row id.
 * Never any network data beyond reason codes (DESIGN.md §12).
 */
export async function listResponses(
	db: DbOrTx,
	view: SurveyView,
	opts: { status?: string; cursor?: number; limit?: number; includeRatings?: boolean }
): Promise<{ items: ResponseListItem[]; nextCursor: string | null }> {
	const limit = Math.min(Math.max(opts.limit ?? 100, 1), 1000);
	const statuses = ['accepted', 'flagged', 'quarantined', 'excluded'] as const;
	const status = statuses.find((s) => s === opts.status);
	const rows = await db
		.select()
		.from(submission)
		.where(
			and(
				eq(submission.surveyId, view.survey.id),
				status ? eq(submission.status, status) : undefined,
				opts.cursor ? gt(submission.id, opts.cursor) : undefined
			)
		)
		.orderBy(asc(submission.id))
		.limit(limit + 1);
	const page = rows.slice(0, limit);
	const items: ResponseListItem[] = page.map((r) => ({
		submissionId: r.clientId,
		receipt: r.receipt,
		receivedAt: r.receivedAt,
		group: r.groupCode,
		subgroup: r.subgroup,
		area: r.areaCode,
		channel: r.channel,
		source: r.source,
		durationMs: r.durationMs,
		status: r.status,
		risk: r.risk,
		weight: r.weight,
		reasons: r.reasons
	}));
	if (opts.includeRatings && page.length) {
		const ratingRows = await db
			.select({ submissionId: rating.submissionId, unit: unit.code, level: rating.level })
			.from(rating)
			.innerJoin(unit, eq(rating.unitId, unit.id))
			.where(
				inArray(
					rating.submissionId,
					page.map((r) => r.id)
				)
			);
		const byId = new Map(page.map((r, i) => [r.id, items[i]]));
		for (const rr of ratingRows) {
			const item = byId.get(rr.submissionId);
			if (!item) continue;
			item.ratings ??= {};
			item.ratings[rr.unit] = rr.level === 0 ? view.dontKnow.code : view.levels[rr.level - 1].code;
		}
	}
	return {
		items,
		nextCursor: rows.length > limit ? String(page[page.length - 1].id) : null
	};
}
