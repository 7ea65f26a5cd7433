import { and, asc, eq, gt, isNotNull, isNull, lte, notInArray, or } from 'drizzle-orm';
import type { DbOrTx } from '../db/client';
import { feedbackSetting, survey } from '../db/schema';

/**
 * Published, currently open surveys that anyone may answer. Not listed: invitation-only surveys,
 * and the rectification follow-ups (their companion cycles), which reach the residents concerned by
 * their own links.
 */
export async function listPublicSurveys(db: DbOrTx, now = new Date()) {
	const rows = await db
		.select({ slug: survey.slug, title: survey.title, definition: survey.definition })
		.from(survey)
		.where(
			and(
				eq(survey.status, 'published'),
				// Column-typed comparisons: postgres.js cannot bind a Date inside raw sql.
				or(isNull(survey.opensAt), lte(survey.opensAt, now)),
				or(isNull(survey.closesAt), gt(survey.closesAt, now)),
				notInArray(
					survey.cycleId,
					db
						.select({ id: feedbackSetting.followupCycleId })
						.from(feedbackSetting)
						.where(isNotNull(feedbackSetting.followupCycleId))
				)
			)
		)
		.orderBy(asc(survey.id));
	return rows
		.filter((r) => r.definition.access !== 'invitation')
		.map((r) => ({ slug: r.slug, title: r.title }));
}
