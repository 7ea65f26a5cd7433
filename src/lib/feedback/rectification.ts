/**
 * Rectification (整改) statuses and their rules, shared by the services, the API and the pages
 * (client-safe, pure). `overdue` is never stored: it is derived from the deadline whenever an item
 * is read, so it can never disagree with the calendar and needs no daily sweep.
 */

export const rectificationStatuses = ['open', 'in_progress', 'done', 'verified'] as const;
export type RectificationStatus = (typeof rectificationStatuses)[number];

/** What the office and the units see: a stored status, or `overdue` in its place. */
export type DisplayStatus = RectificationStatus | 'overdue';

export const rectificationSources = ['low_score', 'comment', 'appeal', 'manual'] as const;
export type RectificationSource = (typeof rectificationSources)[number];

export type FeedbackRole = 'admin' | 'unit_liaison';

/**
 * Allowed moves and who may make them: a unit starts work and reports it done; only the office
 * verifies, or sends a done item back to work (a failed follow-up, thin evidence). Verified is final.
 */
const transitions: Record<
	RectificationStatus,
	Partial<Record<RectificationStatus, FeedbackRole[]>>
> = {
	open: { in_progress: ['admin', 'unit_liaison'] },
	in_progress: { done: ['admin', 'unit_liaison'] },
	done: { verified: ['admin'], in_progress: ['admin'] },
	verified: {}
};

export function canTransition(
	from: RectificationStatus,
	to: RectificationStatus,
	role: FeedbackRole
): boolean {
	return transitions[from][to]?.includes(role) ?? false;
}

/** The moves `role` may make from `from`, in the order the pages show them. */
export function nextStatuses(from: RectificationStatus, role: FeedbackRole): RectificationStatus[] {
	return rectificationStatuses.filter((to) => canTransition(from, to, role));
}

/** Still to be worked on: only these can be overdue, and only these carry into the next cycle. */
export function isActive(status: RectificationStatus): boolean {
	return status === 'open' || status === 'in_progress';
}

const BEIJING_OFFSET_MS = 8 * 3600_000;

/** Today's date in the county (Beijing time, UTC+8 all year) as YYYY-MM-DD. */
export function countyToday(now: Date = new Date()): string {
	return new Date(now.getTime() + BEIJING_OFFSET_MS).toISOString().slice(0, 10);
}

/** An active item whose deadline day has passed (the deadline day itself is still in time). */
export function isOverdue(
	item: { status: RectificationStatus; deadline: string },
	now: Date = new Date()
): boolean {
	return isActive(item.status) && item.deadline < countyToday(now);
}

export function displayStatus(
	item: { status: RectificationStatus; deadline: string },
	now: Date = new Date()
): DisplayStatus {
	return isOverdue(item, now) ? 'overdue' : item.status;
}

/** A real calendar date written YYYY-MM-DD (2026-02-30 is not). */
export function isCalendarDate(value: string): boolean {
	const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value);
	if (!m) return false;
	const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
	const t = new Date(Date.UTC(y, mo - 1, d));
	return t.getUTCFullYear() === y && t.getUTCMonth() === mo - 1 && t.getUTCDate() === d;
}

/** Adds whole days to a YYYY-MM-DD date. */
export function addDays(day: string, days: number): string {
	const t = new Date(`${day}T00:00:00Z`).getTime() + days * 86_400_000;
	return new Date(t).toISOString().slice(0, 10);
}
