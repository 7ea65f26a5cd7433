import type { DbOrTx } from '../db/client';
import { keyedHash } from '../auth/app-secret';
import { hitRateLimit, peekRateLimit } from '../auth/rate-limit';
import { appendAudit, systemActor } from '../audit/audit-log';
import { TooManyRequestsError } from '../errors';
import type { SurveyView } from '../surveys/survey-view';

const WINDOW_SECONDS = 15 * 60;
/** Wrong codes allowed per client address per 15 minutes, and per survey (a brute-force signal). */
export const CLIENT_LIMIT = 10;
export const SURVEY_LIMIT = 300;

export function requiresInvitation(view: SurveyView, groupCode: string): boolean {
	if (view.survey.definition.access === 'invitation') return true;
	return view.groups.find((g) => g.code === groupCode)?.identity === 'invitation';
}

/** Refuses before any work when this client, or the survey as a whole, has guessed too often. */
export async function checkInvitationAttempts(
	db: DbOrTx,
	surveyId: number,
	clientAddress: string,
	now: Date
): Promise<void> {
	const client = await peekRateLimit(
		db,
		'invite-client',
		keyedHash('invite-client', clientAddress),
		WINDOW_SECONDS,
		now
	);
	const survey = await peekRateLimit(db, 'invite-survey', String(surveyId), WINDOW_SECONDS, now);
	if (client >= CLIENT_LIMIT || survey >= SURVEY_LIMIT) {
		throw new TooManyRequestsError('too_many_wrong_codes', WINDOW_SECONDS);
	}
}

export async function noteFailedInvitation(
	db: DbOrTx,
	surveyId: number,
	clientAddress: string,
	now: Date
): Promise<void> {
	await hitRateLimit(
		db,
		'invite-client',
		keyedHash('invite-client', clientAddress),
		CLIENT_LIMIT,
		WINDOW_SECONDS,
		now
	);
	const s = await hitRateLimit(
		db,
		'invite-survey',
		String(surveyId),
		SURVEY_LIMIT,
		WINDOW_SECONDS,
		now
	);
	// Exactly at the limit, once per window: the office sees a brute-force attempt in the audit log.
	if (s.count === SURVEY_LIMIT) {
		await appendAudit(db, systemActor, {
			action: 'invitation.brute_force_suspected',
			targetType: 'survey',
			targetId: surveyId,
			detail: { wrongCodesIn15Minutes: s.count }
		});
	}
}
