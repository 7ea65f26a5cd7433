import type { RuleSet } from '$lib/schemas/rule-set';
import { knownCount } from '../checks/patterns';

/**
 * Off-hours regularity (research §7 row 27, D7): scripts and paid services run when nobody watches,
 * residents mostly do not. A cluster — one narrow network prefix (never mobile or carrier-grade NAT:
 * those carry many unrelated people) or one answer vector rating enough units to be specific — whose
 * submissions fall in the night hours (county time) far more often than the survey's do is
 * regular in a way people are not; its night members get `offhours.cluster` (+1 by default: evidence
 * that adds up with other signals, never an exclusion on its own). Night-shift workers answer at
 * night too, but one at a time and with their own answers: only clusters count.
 */
export interface OffHoursRow {
	id: number;
	/** Epoch milliseconds. */
	receivedAt: number;
	pattern: string;
	prefixHash: string | null;
	networkType: string | null;
	excluded: boolean;
}

/** Hour of the day (0–23) in the county's time zone. */
export function localHour(epochMs: number, utcOffsetMinutes: number): number {
	const ms = epochMs + utcOffsetMinutes * 60_000;
	return Math.floor((((ms % 86_400_000) + 86_400_000) % 86_400_000) / 3_600_000);
}

export function isOffHours(epochMs: number, rules: RuleSet): boolean {
	const o = rules.offHours;
	const h = localHour(epochMs, o.utcOffsetMinutes);
	return o.fromHour <= o.toHour ? h >= o.fromHour && h < o.toHour : h >= o.fromHour || h < o.toHour;
}

const WIDE_NETWORKS = new Set(['mobile', 'broadband_cgnat']);

/** Ids of the rows that are night members of an off-hours cluster. */
export function offHoursClusters(rows: readonly OffHoursRow[], rules: RuleSet): Set<number> {
	const o = rules.offHours;
	const out = new Set<number>();
	const live = rows.filter((r) => !r.excluded);
	if (!live.length) return out;
	const night = live.map((r) => isOffHours(r.receivedAt, rules));
	const nightTotal = night.filter(Boolean).length;
	// The survey's own night share, never below the floor (a survey nobody answers at night yet
	// must not make the first two night answers of a village Wi-Fi "five times the baseline").
	const baseline = Math.max(o.baselineFloor, nightTotal / live.length);
	const clusters = new Map<string, number[]>();
	const add = (key: string, i: number) => {
		const list = clusters.get(key);
		if (list) list.push(i);
		else clusters.set(key, [i]);
	};
	live.forEach((r, i) => {
		if (r.prefixHash && r.networkType && !WIDE_NETWORKS.has(r.networkType)) {
			add(`n:${r.prefixHash}`, i);
		}
		if (knownCount(r.pattern) >= o.minKnown) add(`p:${r.pattern}`, i);
	});
	for (const members of clusters.values()) {
		const nightMembers = members.filter((i) => night[i]);
		if (nightMembers.length < o.minSize) continue;
		if (nightMembers.length / members.length <= o.ratio * baseline) continue;
		for (const i of nightMembers) out.add(live[i].id);
	}
	return out;
}
