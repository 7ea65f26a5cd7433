import { error } from '@sveltejs/kit';
import { db } from '$lib/server/db';
import { actorOf, requireRole } from '$lib/server/auth/guards';
import { domainFailure } from '$lib/server/http/form-failure';
import { NotFoundError, ValidationError } from '$lib/server/errors';
import { getScores } from '$lib/server/scoring/report';
import { createSnapshot, listSnapshots, publishSnapshot } from '$lib/server/scoring/snapshots';
import { listAreas } from '$lib/server/cycles/areas';
import {
	createSnapshotSchema,
	exclusionModes,
	snapshotSelectorSchema,
	type ExclusionMode,
	type ScoresDocument
} from '$lib/schemas/scores';
import type { Actions, PageServerLoad } from './$types';

/** Scores are for the office's readers; reviewers see answers without scores while they review. */
const scoreReaders = ['admin', 'viewer'] as const;

export const load: PageServerLoad = async ({ locals, params, url }) => {
	const u = requireRole(locals, ...scoreReaders);
	const cycleId = Number(params.id);
	const sel = snapshotSelectorSchema.safeParse(url.searchParams.get('snapshot') ?? 'live');
	const snapshot = sel.success ? sel.data : 'live';
	const raw = url.searchParams.get('exclusions');
	const exclusions: ExclusionMode = exclusionModes.includes(raw as ExclusionMode)
		? (raw as ExclusionMode)
		: 'applied';
	let doc: ScoresDocument | null = null;
	let missing: string | null = null;
	try {
		// A snapshot id carries its own exclusion mode.
		doc = await getScores(db(), cycleId, {
			snapshot,
			exclusions: typeof snapshot === 'number' ? undefined : exclusions
		});
	} catch (err) {
		if (!(err instanceof NotFoundError)) throw err;
		if (err.message === 'cycle_not_found') error(404, 'not_found');
		missing = err.message;
	}
	const areas = await listAreas(db(), cycleId);
	return {
		doc,
		missing,
		snapshots: await listSnapshots(db(), cycleId),
		selected: { snapshot: String(snapshot), exclusions },
		isAdmin: u.role === 'admin',
		areaNames: Object.fromEntries(areas.map((a) => [a.code, a.name]))
	};
};

export const actions: Actions = {
	snapshot: async ({ locals, params, request }) => {
		const u = requireRole(locals, 'admin');
		const form = await request.formData();
		const parsed = createSnapshotSchema.safeParse({
			exclusions: String(form.get('exclusions') ?? 'applied')
		});
		if (!parsed.success) {
			const field = { path: 'exclusions', message: 'invalid_exclusions' };
			return domainFailure(new ValidationError('invalid_exclusions', [field]), {}, 'snapshot');
		}
		try {
			const s = await createSnapshot(db(), actorOf(u), Number(params.id), parsed.data);
			return { created: s.id };
		} catch (err) {
			return domainFailure(err, undefined, 'snapshot');
		}
	},
	publish: async ({ locals, params, request }) => {
		const u = requireRole(locals, 'admin');
		const id = Number((await request.formData()).get('id'));
		try {
			const s = await publishSnapshot(db(), actorOf(u), Number(params.id), id);
			return { published: s.id };
		} catch (err) {
			return domainFailure(err, undefined, 'publish');
		}
	}
};
