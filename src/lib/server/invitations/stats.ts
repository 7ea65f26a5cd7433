import type { DbOrTx } from '../db/client';
import type { Survey } from '../db/schema';
import { answeredByDay, invitationGroups, rosterStats, type RosterStatsRow } from './rosters';

export interface RateRow {
	total: number;
	issued: number;
	answered: number;
	/** answered / issued, or null before any code is issued. */
	rate: number | null;
	reminded: number;
	reminders: number;
}

export interface InvitationStats {
	groups: (RateRow & {
		group: string;
		label: string;
		subgroups: (RateRow & { subgroup: string | null; label: string | null })[];
	})[];
	/** People stamped answered per day (the daily batch), per group and subgroup. */
	answeredByDay: { day: string; group: string; subgroup: string | null; answered: number }[];
}

function sumRows(rows: RosterStatsRow[]): RateRow {
	const t = { total: 0, issued: 0, answered: 0, reminded: 0, reminders: 0 };
	for (const r of rows) {
		t.total += r.total;
		t.issued += r.issued;
		t.answered += r.answered;
		t.reminded += r.reminded;
		t.reminders += r.reminders;
	}
	return { ...t, rate: t.issued ? t.answered / t.issued : null };
}

/**
 * Issued and answered per group and subgroup (live, aggregates only: "answered" is a code no longer
 * in `invitation_codes`), and the answered-by-day series from the daily batch.
 */
export async function invitationStats(db: DbOrTx, s: Survey): Promise<InvitationStats> {
	const groups = await invitationGroups(db, s);
	const rows = await rosterStats(db, s.id);
	const byDay = await answeredByDay(db, s.id);
	const codes = new Set([...groups.map((g) => g.code), ...rows.map((r) => r.group)]);
	return {
		groups: [...codes].map((code) => {
			const g = groups.find((x) => x.code === code);
			const mine = rows.filter((r) => r.group === code);
			const subs = new Set<string | null>([
				...(g?.subgroups.map((x) => x.code) ?? []),
				...mine.map((r) => r.subgroup)
			]);
			return {
				group: code,
				label: g?.label ?? code,
				...sumRows(mine),
				subgroups: [...subs].map((sub) => ({
					subgroup: sub,
					label: sub === null ? null : (g?.subgroups.find((x) => x.code === sub)?.label ?? sub),
					...sumRows(mine.filter((r) => r.subgroup === sub))
				}))
			};
		}),
		answeredByDay: byDay.map((d) => ({
			day: d.day,
			group: d.group,
			subgroup: d.subgroup,
			answered: d.n
		}))
	};
}
