import type { DbOrTx } from '../db/client';
import type { ScoreSnapshot } from '../db/schema';
import { getCycle } from '../cycles/cycles';
import { NotFoundError, ValidationError } from '../errors';
import type {
	ExclusionMode,
	ScoresBody,
	ScoresDocument,
	SnapshotRef,
	SnapshotSelector
} from '$lib/schemas/scores';
import { computeLiveScores } from './compute';
import { getSnapshot, latestPublished } from './snapshots';

export interface ScoresRequest {
	snapshot?: SnapshotSelector;
	/** Absent: `applied` for live scores, the snapshot's own mode otherwise. */
	exclusions?: ExclusionMode;
}

function refOf(row: ScoreSnapshot): SnapshotRef {
	return {
		id: row.id,
		status: row.status,
		createdAt: row.computedAt.toISOString(),
		createdBy: row.createdBy,
		publishedAt: row.publishedAt?.toISOString() ?? null
	};
}

/**
 * The cycle's scores as `GET /api/v1/cycles/{id}/scores` returns them: computed now from the
 * roll-ups (`live`), or a stored snapshot (`published` = the latest published one, or an id).
 */
export async function getScores(
	db: DbOrTx,
	cycleId: number,
	request: ScoresRequest = {}
): Promise<ScoresDocument> {
	const c = await getCycle(db, cycleId);
	const selector = request.snapshot ?? 'live';
	let body: ScoresBody;
	let ref: SnapshotRef;
	if (selector === 'live') {
		body = await computeLiveScores(db, cycleId, request.exclusions ?? 'applied');
		ref = { id: null, status: 'live', createdAt: null, createdBy: null, publishedAt: null };
	} else {
		let row: ScoreSnapshot | null;
		if (selector === 'published') {
			row = await latestPublished(db, cycleId, request.exclusions);
			if (!row) throw new NotFoundError('no_published_snapshot');
		} else {
			row = await getSnapshot(db, cycleId, selector);
			if (request.exclusions && request.exclusions !== row.exclusions) {
				throw new ValidationError('exclusions_mismatch', [
					{ path: 'exclusions', message: 'exclusions_mismatch' }
				]);
			}
		}
		body = row.results;
		ref = refOf(row);
	}
	return {
		cycle: { id: c.id, name: c.name, year: c.year },
		snapshot: ref,
		computedAt: body.computedAt,
		configVersion: body.parameters.configVersion,
		ruleSetVersion: body.parameters.ruleSetVersion,
		exclusions: body.exclusions,
		source: body.source,
		categories: body.categories,
		flags: body.flags,
		notes: body.notes,
		parameters: body.parameters,
		items: body.items
	};
}

/** A unit liaison's view: only their own unit (the category summaries stay for context). */
export function onlyUnit(doc: ScoresDocument, unitCode: string | null): ScoresDocument {
	// Cycle-wide flags name other units (`unknown_unit:X`); a liaison sees none of them.
	return { ...doc, flags: [], items: doc.items.filter((i) => i.unit === unitCode) };
}
