import { randomInt, timingSafeEqual } from 'node:crypto';
import { and, desc, eq, isNull, lt, sql } from 'drizzle-orm';
import type { Db, DbOrTx } from '../db/client';
import { phoneVerification } from '../db/schema';
import { rowsOf } from '../db/rows';
import { hitRateLimit } from '../auth/rate-limit';
import { appendAudit, systemActor } from '../audit/audit-log';
import { DomainError, NotFoundError, TooManyRequestsError, ValidationError } from '../errors';
import { loadSurveyView, surveyState, type SurveyView } from '../surveys/survey-view';
import { networkPrefix, surveyHash } from '../responses/client-facts';
import { normalisePhone, normaliseSmsCode } from '$lib/phone';
import * as m from '$lib/paraglide/messages';
import { smsProvider, SmsSendError } from './sms';

/**
 * The verified-phone identity tier (DESIGN.md §7, §12): a 6-digit code by SMS, valid 5 minutes,
 * 5 tries. Only keyed hashes (with the survey's own key, destroyed when the cycle closes) of the
 * phone and of the code are stored; the number itself exists only in the request that sends the SMS.
 */
export const SMS_CODE_TTL_MS = 5 * 60_000;
export const SMS_CODE_ATTEMPTS = 5;
/** Once verified, the code keeps working this long, so a refused submission can be sent again. */
export const VERIFIED_VALID_MS = 30 * 60_000;

/** Codes per phone (one a minute, five an hour), per network prefix and per survey (an SMS flood). */
export const SMS_LIMITS = {
	phoneMinute: { limit: 1, seconds: 60 },
	phoneHour: { limit: 5, seconds: 3600 },
	network: { limit: 30, seconds: 3600 },
	survey: { limit: 2000, seconds: 3600 }
} as const;

export function requiresPhone(view: SurveyView, groupCode: string): boolean {
	return view.groups.find((g) => g.code === groupCode)?.identity === 'phone';
}

export function offersPhone(view: SurveyView): boolean {
	return view.groups.some((g) => g.identity === 'phone');
}

function surveyKey(view: SurveyView): Uint8Array {
	// The key is destroyed when the cycle closes: nothing can be verified (or linked) any more.
	if (!view.survey.hashKey) throw new DomainError(410, 'gone', 'survey_closed');
	return view.survey.hashKey;
}

const phoneHashOf = (key: Uint8Array, phone: string) => surveyHash(key, 'phone', phone);
const codeHashOf = (key: Uint8Array, phoneHash: string, code: string) =>
	surveyHash(key, 'sms-code', `${phoneHash}:${code}`);

/**
 * Sends a code to `typedPhone` for this survey: 202 for the caller. Refuses with 429 past any rate
 * limit (every request counts, so a flood is throttled whether its numbers are real or not).
 */
export async function requestPhoneCode(
	db: Db,
	slug: string,
	typedPhone: string,
	clientAddress: string,
	now = new Date()
): Promise<{ expiresAt: Date }> {
	let view: SurveyView;
	try {
		view = await loadSurveyView(db, slug);
	} catch (err) {
		if (err instanceof NotFoundError) throw new NotFoundError('survey_not_found');
		throw err;
	}
	const state = surveyState(view.survey, now);
	if (state === 'draft') throw new NotFoundError('survey_not_found');
	if (state === 'closed') throw new DomainError(410, 'gone', 'survey_closed');
	if (state === 'not_yet_open') throw new DomainError(403, 'forbidden', 'survey_not_open_yet');
	if (!offersPhone(view)) throw new NotFoundError('phone_verification_not_offered');
	const phone = normalisePhone(typedPhone);
	if (!phone) {
		throw new ValidationError('invalid_phone', [{ path: 'phone', message: 'invalid_phone' }]);
	}
	const key = surveyKey(view);
	const surveyId = view.survey.id;
	const phoneHash = phoneHashOf(key, phone);
	const prefix = networkPrefix(clientAddress);
	const netKey = prefix ? surveyHash(key, 'net', prefix) : 'unknown';

	const L = SMS_LIMITS;
	const hits = [
		await hitRateLimit(db, 'sms-survey', String(surveyId), L.survey.limit, L.survey.seconds, now),
		await hitRateLimit(db, 'sms-net', netKey, L.network.limit, L.network.seconds, now),
		await hitRateLimit(
			db,
			'sms-phone-m',
			phoneHash,
			L.phoneMinute.limit,
			L.phoneMinute.seconds,
			now
		),
		await hitRateLimit(db, 'sms-phone-h', phoneHash, L.phoneHour.limit, L.phoneHour.seconds, now)
	];
	if (hits[0].count === L.survey.limit + 1) {
		// Once per window, the office learns that someone is pushing SMS through this survey.
		await appendAudit(db, systemActor, {
			action: 'phone_verification.flood_suspected',
			targetType: 'survey',
			targetId: surveyId,
			detail: { requestsInWindow: hits[0].count, windowSeconds: L.survey.seconds }
		});
	}
	const refused = hits.filter((h) => !h.allowed);
	if (refused.length) {
		throw new TooManyRequestsError(
			'too_many_sms_requests',
			Math.max(...refused.map((h) => h.retryAfter))
		);
	}

	const code = String(randomInt(0, 1_000_000)).padStart(6, '0');
	const expiresAt = new Date(now.getTime() + SMS_CODE_TTL_MS);
	const id = await db.transaction(async (tx) => {
		// One live code per phone: an older unused one stops working, and old rows are cleared out.
		await tx
			.delete(phoneVerification)
			.where(
				and(
					eq(phoneVerification.surveyId, surveyId),
					eq(phoneVerification.phoneHash, phoneHash),
					isNull(phoneVerification.verifiedAt)
				)
			);
		await tx
			.delete(phoneVerification)
			.where(
				and(
					eq(phoneVerification.surveyId, surveyId),
					lt(phoneVerification.createdAt, new Date(now.getTime() - 86_400_000))
				)
			);
		const [row] = await tx
			.insert(phoneVerification)
			.values({
				surveyId,
				phoneHash,
				codeHash: codeHashOf(key, phoneHash, code),
				expiresAt,
				createdAt: now
			})
			.returning({ id: phoneVerification.id });
		return row.id;
	});
	try {
		await smsProvider().send({
			to: phone,
			text: m.phone_sms_code({ code, title: view.survey.title }, { locale: 'zh-CN' }),
			ref: `verification:${id}`
		});
	} catch (err) {
		if (!(err instanceof SmsSendError)) throw err;
		await db.delete(phoneVerification).where(eq(phoneVerification.id, id));
		throw new DomainError(503, 'unavailable', 'sms_unavailable', undefined, 60);
	}
	return { expiresAt };
}

const codeError = (message: string) =>
	new ValidationError(message, [{ path: 'phoneVerification.code', message }]);

/**
 * Checks `{phone, code}` of a submission to a group that requires a verified phone and returns the
 * survey-keyed hash of the phone (the only form in which it is stored). Wrong codes use up tries.
 */
export async function checkPhoneVerification(
	db: DbOrTx,
	view: SurveyView,
	given: { phone: string; code: string } | undefined,
	now = new Date()
): Promise<string> {
	if (!given?.phone) {
		throw new ValidationError('phone_verification_required', [
			{ path: 'phoneVerification.phone', message: 'required' }
		]);
	}
	const phone = normalisePhone(given.phone);
	if (!phone) {
		throw new ValidationError('invalid_phone', [
			{ path: 'phoneVerification.phone', message: 'invalid_phone' }
		]);
	}
	if (!given.code) throw codeError('sms_code_required');
	const code = normaliseSmsCode(given.code);
	if (!code) throw codeError('invalid_sms_code');
	const key = surveyKey(view);
	const phoneHash = phoneHashOf(key, phone);
	const [row] = await db
		.select()
		.from(phoneVerification)
		.where(
			and(
				eq(phoneVerification.surveyId, view.survey.id),
				eq(phoneVerification.phoneHash, phoneHash)
			)
		)
		.orderBy(desc(phoneVerification.id))
		.limit(1);
	if (!row) throw codeError('sms_code_not_requested');
	const expected = Buffer.from(row.codeHash);
	const actual = Buffer.from(codeHashOf(key, phoneHash, code));
	const match = expected.length === actual.length && timingSafeEqual(expected, actual);
	if (row.verifiedAt) {
		if (match && now.getTime() - row.verifiedAt.getTime() <= VERIFIED_VALID_MS) return phoneHash;
		throw codeError(match ? 'sms_code_expired' : 'sms_code_wrong');
	}
	if (row.expiresAt <= now) throw codeError('sms_code_expired');
	// Each try is counted atomically, so parallel guesses cannot exceed the allowance.
	const counted = rowsOf<{ attempts: number }>(
		await db.execute(sql`
			update phone_verifications set attempts = attempts + 1
			where id = ${row.id} and attempts < ${SMS_CODE_ATTEMPTS} and verified_at is null
			returning attempts`)
	);
	if (!counted.length) throw codeError('sms_code_too_many_attempts');
	if (!match) throw codeError('sms_code_wrong');
	await db
		.update(phoneVerification)
		.set({ verifiedAt: now })
		.where(eq(phoneVerification.id, row.id));
	return phoneHash;
}

/** Another stored (and not excluded) submission of this survey from the same verified phone. */
export async function phoneAlreadyAnswered(
	db: DbOrTx,
	surveyId: number,
	phoneHash: string,
	submissionId: string
): Promise<boolean> {
	const rows = rowsOf<{ one: number }>(
		await db.execute(sql`
			select 1 as one from submissions
			where survey_id = ${surveyId} and phone_hash = ${phoneHash}
				and client_id <> ${submissionId}::uuid and status <> 'excluded'
			limit 1`)
	);
	return rows.length > 0;
}
