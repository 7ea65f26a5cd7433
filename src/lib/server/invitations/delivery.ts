import { desc, eq, sql } from 'drizzle-orm';
import type { DbOrTx } from '../db/client';
import { deliveryLog, type Survey } from '../db/schema';
import { codeArray, intArray, rowsOf } from '../db/rows';
import { appendAudit, type Actor } from '../audit/audit-log';
import { ConflictError, DomainError, ReadOnlyError } from '../errors';
import { getSurveyBySlug } from '../surveys/surveys';
import { personalLink, surveyAddress } from '../exports/slips';
import { formatCode } from '$lib/invitation-code';
import * as m from '$lib/paraglide/messages';
import { decryptPhone } from './phone-cipher';
import {
	invitationGroups,
	issueCodes,
	reissueCodes,
	shanghaiDay,
	type IssuedCode
} from './rosters';
import { smsProvider, SmsSendError, type SmsProvider } from './sms';

/** SMS go to deputies and residents: always Chinese, whatever the console's language. */
const locale = 'zh-CN' as const;

export interface DeliveryResult {
	/** Messages the provider accepted. */
	sent: number;
	/** Messages it refused or could not be reached for (nothing changed for those people). */
	failed: number;
	/** People it could not reach: no phone number on the roster. */
	noPhone: number;
	/** People already reminded today (at most one reminder a day each). */
	alreadyToday: number;
}

async function phonesOf(db: DbOrTx, ids: number[]): Promise<Map<number, string | null>> {
	if (!ids.length) return new Map();
	const rows = rowsOf<{ id: number; phone_cipher: Uint8Array | null }>(
		await db.execute(
			sql`select id, phone_cipher from roster_entries where id = any(${intArray(ids)}::int[])`
		)
	);
	return new Map(rows.map((r) => [Number(r.id), decryptPhone(r.phone_cipher)]));
}

async function logDelivery(
	db: DbOrTx,
	s: Survey,
	kind: string,
	provider: SmsProvider,
	result: DeliveryResult,
	detail: Record<string, unknown>
) {
	await db.insert(deliveryLog).values({
		surveyId: s.id,
		kind,
		recipients: result.sent,
		provider: provider.name,
		detail: JSON.stringify({ ...detail, ...result })
	});
}

function requireOpenForDelivery(s: Survey) {
	if (s.status === 'closed') throw new ReadOnlyError('survey_closed');
	if (s.status !== 'published') throw new ConflictError('survey_not_published');
}

/**
 * Issues codes to the people of a group who have a phone and no code yet, and sends each their
 * personal link by SMS. A message the provider refuses leaves that code unsent: the office re-issues
 * it (slip or SMS) later. The numbers are decrypted only here, in memory, to hand to the provider.
 */
export async function sendCodesBySms(
	db: DbOrTx,
	actor: Actor,
	slug: string,
	filter: { group: string; subgroup?: string },
	origin: string,
	now = new Date()
): Promise<DeliveryResult> {
	const s = await getSurveyBySlug(db, slug);
	requireOpenForDelivery(s);
	const provider = smsProvider();
	const issued = await issueCodes(db, actor, slug, { ...filter, withPhoneOnly: true }, now);
	const phones = await phonesOf(
		db,
		issued.map((i) => i.entryId)
	);
	const result: DeliveryResult = { sent: 0, failed: 0, noPhone: 0, alreadyToday: 0 };
	for (const i of issued) {
		const to = phones.get(i.entryId);
		if (!to) {
			result.failed++;
			continue;
		}
		try {
			await provider.send({ to, text: codeText(s, i, origin), ref: `roster:${i.entryId}` });
			result.sent++;
		} catch (err) {
			if (!(err instanceof SmsSendError)) throw err;
			result.failed++;
		}
	}
	await logDelivery(db, s, 'codes', provider, result, { group: filter.group });
	await appendAudit(db, actor, {
		action: 'invitation.sms',
		targetType: 'survey',
		targetId: slug,
		cycleId: s.cycleId,
		detail: { group: filter.group, subgroup: filter.subgroup ?? null, ...result }
	});
	return result;
}

function codeText(s: Survey, i: IssuedCode, origin: string): string {
	return m.invite_sms_code(
		{
			name: i.label,
			title: s.title,
			link: personalLink(origin, s.slug, i.code),
			code: formatCode(i.code)
		},
		{ locale }
	);
}

interface Candidate {
	id: number;
	label: string;
	last_reminded_on: string | null;
	has_phone: boolean;
}

/**
 * Reminds the people who have not answered (their code still unused), at most once a day each, by
 * SMS: "use the code on your slip" with the survey's address, or, with `reissue`, a new code and
 * personal link (the old code is revoked in the same transaction, and only if the SMS went out).
 * Each run is one row in `delivery_log` and one audit entry; no phone number is logged anywhere.
 */
export async function sendReminders(
	db: DbOrTx,
	actor: Actor,
	slug: string,
	opts: { group?: string; subgroup?: string; reissue?: boolean },
	origin: string,
	now = new Date()
): Promise<DeliveryResult> {
	const s = await getSurveyBySlug(db, slug);
	requireOpenForDelivery(s);
	const groups = (await invitationGroups(db, s))
		.map((g) => g.code)
		.filter((g) => !opts.group || g === opts.group);
	if (!groups.length) {
		throw new DomainError(400, 'validation', 'group_not_invitation', [
			{ path: 'group', message: 'group_not_invitation' }
		]);
	}
	const provider = smsProvider();
	const today = shanghaiDay(now);
	const candidates = rowsOf<Candidate>(
		await db.execute(sql`
			select r.id, r.label, r.last_reminded_on::text as last_reminded_on,
				(r.phone_cipher is not null) as has_phone
			from roster_entries r
			where r.survey_id = ${s.id}
				and r.group_code = any(${codeArray(groups)}::text[])
				${opts.subgroup ? sql`and r.subgroup = ${opts.subgroup}` : sql``}
				and r.answered_on is null and r.code_hash is not null
				and exists (select 1 from invitation_codes c where c.code_hash = r.code_hash)
			order by r.id`)
	).map((c) => ({ ...c, id: Number(c.id) }));
	const result: DeliveryResult = { sent: 0, failed: 0, noPhone: 0, alreadyToday: 0 };
	const eligible: Candidate[] = [];
	for (const c of candidates) {
		if (!c.has_phone) result.noPhone++;
		else if (c.last_reminded_on !== null && c.last_reminded_on >= today) result.alreadyToday++;
		else eligible.push(c);
	}
	// Claimed before sending, so two offices clicking at once cannot remind anyone twice today.
	const claimed = new Set(
		rowsOf<{ id: number }>(
			eligible.length
				? await db.execute(sql`
					update roster_entries set last_reminded_on = ${today}::date,
						reminders_sent = reminders_sent + 1
					where id = any(${intArray(eligible.map((c) => c.id))}::int[])
						and (last_reminded_on is null or last_reminded_on < ${today}::date)
					returning id`)
				: []
		).map((r) => Number(r.id))
	);
	result.alreadyToday += eligible.length - claimed.size;
	const phones = await phonesOf(db, [...claimed]);
	const unclaim = async (c: Candidate) => {
		await db.execute(sql`
			update roster_entries set reminders_sent = greatest(reminders_sent - 1, 0),
				last_reminded_on = ${c.last_reminded_on}::date
			where id = ${c.id}`);
	};
	for (const c of eligible.filter((x) => claimed.has(x.id))) {
		const to = phones.get(c.id);
		if (!to) {
			result.failed++;
			await unclaim(c);
			continue;
		}
		try {
			if (opts.reissue) {
				await reissueCodes(db, actor, slug, [c.id], now, {
					reason: 'reminder',
					deliver: async ([i]) => {
						await provider.send({
							to,
							text: m.invite_sms_reminder_reissue(
								{
									name: c.label,
									title: s.title,
									link: personalLink(origin, s.slug, i.code),
									code: formatCode(i.code)
								},
								{ locale }
							),
							ref: `roster:${c.id}`
						});
					}
				});
			} else {
				await provider.send({
					to,
					text: m.invite_sms_reminder(
						{ name: c.label, title: s.title, link: surveyAddress(origin, s.slug) },
						{ locale }
					),
					ref: `roster:${c.id}`
				});
			}
			result.sent++;
		} catch (err) {
			// Refused by the gateway, or answered meanwhile (its code can no longer be revoked).
			if (!(err instanceof SmsSendError) && !(err instanceof ConflictError)) throw err;
			result.failed++;
			await unclaim(c);
		}
	}
	const kind = opts.reissue ? 'reminder_reissue' : 'reminder';
	await logDelivery(db, s, kind, provider, result, {
		group: opts.group ?? null,
		subgroup: opts.subgroup ?? null
	});
	await appendAudit(db, actor, {
		action: 'invitation.remind',
		targetType: 'survey',
		targetId: slug,
		cycleId: s.cycleId,
		detail: { group: opts.group ?? null, subgroup: opts.subgroup ?? null, kind, ...result }
	});
	return result;
}

export async function recentDeliveries(db: DbOrTx, surveyId: number, limit = 20) {
	return db
		.select()
		.from(deliveryLog)
		.where(eq(deliveryLog.surveyId, surveyId))
		.orderBy(desc(deliveryLog.id))
		.limit(limit);
}
