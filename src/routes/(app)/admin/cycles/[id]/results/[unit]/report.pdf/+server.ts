import { error } from '@sveltejs/kit';
import { and, count, desc, eq, isNotNull } from 'drizzle-orm';
import { db } from '$lib/server/db';
import { comment, unit } from '$lib/server/db/schema';
import { requireRole } from '$lib/server/auth/guards';
import { DomainError, NotFoundError } from '$lib/server/errors';
import { getCycle } from '$lib/server/cycles/cycles';
import { unitDetail } from '$lib/server/scoring/unit-detail';
import { renderUnitReport } from '$lib/server/exports/unit-report';
import { problem } from '$lib/server/http/problem';
import { getLocale } from '$lib/paraglide/runtime';
import type { RequestHandler } from './$types';

/** The printable per-unit report (PDF, A4). */
export const GET: RequestHandler = async ({ locals, params }) => {
	requireRole(locals, 'admin', 'viewer');
	const cycleId = Number(params.id);
	try {
		const cycle = await getCycle(db(), cycleId);
		const detail = await unitDetail(db(), cycleId, params.unit, getLocale());
		const [u] = await db()
			.select({ id: unit.id })
			.from(unit)
			.where(and(eq(unit.cycleId, cycleId), eq(unit.code, params.unit)));
		const [{ n }] = await db().select({ n: count() }).from(comment).where(eq(comment.unitId, u.id));
		const shown = await db()
			.select({ text: comment.redacted })
			.from(comment)
			.where(
				and(eq(comment.unitId, u.id), eq(comment.moderation, 'shown'), isNotNull(comment.redacted))
			)
			.orderBy(desc(comment.id))
			.limit(10);
		const pdf = await renderUnitReport(
			detail,
			{ total: n, shown: shown.map((s) => s.text ?? '') },
			cycle.name
		);
		return new Response(new Uint8Array(pdf), {
			headers: {
				'content-type': 'application/pdf',
				'content-disposition': `inline; filename="report-${encodeURIComponent(params.unit)}.pdf"`
			}
		});
	} catch (err) {
		if (err instanceof NotFoundError) error(404, 'not_found');
		if (err instanceof DomainError) return problem(err.status, err.message);
		throw err;
	}
};
