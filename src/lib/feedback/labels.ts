import * as m from '$lib/paraglide/messages';
import type { DisplayStatus, RectificationSource } from './rectification';

/** Translated names of statuses, sources and event kinds (codes are never translated). */
export function statusText(status: DisplayStatus | string): string {
	const map: Record<string, () => string> = {
		open: m.fb_status_open,
		in_progress: m.fb_status_in_progress,
		done: m.fb_status_done,
		verified: m.fb_status_verified,
		overdue: m.fb_status_overdue
	};
	return map[status]?.() ?? status;
}

export function sourceText(source: RectificationSource | string): string {
	const map: Record<string, () => string> = {
		low_score: m.fb_source_low_score,
		comment: m.fb_source_comment,
		appeal: m.fb_source_appeal,
		manual: m.fb_source_manual
	};
	return map[source]?.() ?? source;
}

export function eventText(kind: string): string {
	const map: Record<string, () => string> = {
		created: m.fb_event_created,
		updated: m.fb_event_updated,
		status: m.fb_event_status,
		note: m.fb_event_note,
		evidence: m.fb_event_evidence,
		reminder: m.fb_event_reminder,
		followup: m.fb_event_followup,
		carried: m.fb_event_carried
	};
	return map[kind]?.() ?? kind;
}

export function appealStatusText(status: string): string {
	const map: Record<string, () => string> = {
		pending: m.fb_appeal_pending,
		maintained: m.fb_appeal_maintained,
		revised: m.fb_appeal_revised
	};
	return map[status]?.() ?? status;
}

export function moderationText(state: string): string {
	const map: Record<string, () => string> = {
		pending: m.fb_moderation_pending,
		shown: m.fb_moderation_shown,
		hidden: m.fb_moderation_hidden
	};
	return map[state]?.() ?? state;
}
