import { db } from '$lib/server/db';
import { requireRole } from '$lib/server/auth/guards';
import { distinctAuditActions, listAudit } from '$lib/server/audit/audit-log';
import type { PageServerLoad } from './$types';

function dateParam(v: string | null, endOfDay = false): Date | undefined {
	if (!v || !/^\d{4}-\d{2}-\d{2}$/.test(v)) return undefined;
	const d = new Date(`${v}T${endOfDay ? '23:59:59.999' : '00:00:00'}+08:00`);
	return Number.isNaN(d.getTime()) ? undefined : d;
}

export const load: PageServerLoad = async ({ locals, url }) => {
	requireRole(locals, 'admin', 'viewer');
	const q = url.searchParams;
	const before = Number(q.get('before'));
	const filter = {
		action: q.get('action')?.slice(0, 100) || undefined,
		actor: q.get('actor')?.slice(0, 100) || undefined,
		from: dateParam(q.get('from')),
		to: dateParam(q.get('to'), true),
		before: Number.isSafeInteger(before) && before > 0 ? before : undefined,
		limit: 50
	};
	const page = await listAudit(db(), filter);
	return {
		entries: page.items,
		nextBefore: page.nextBefore,
		actions: await distinctAuditActions(db()),
		filter: {
			action: filter.action ?? '',
			actor: filter.actor ?? '',
			from: q.get('from') ?? '',
			to: q.get('to') ?? ''
		}
	};
};
