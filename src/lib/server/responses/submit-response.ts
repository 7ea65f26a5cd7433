import { and, eq, sql } from 'drizzle-orm';
import type { Db, DbOrTx, Tx } from '../db/client';
import { submission } from '../db/schema';
import { codeArray, intArray, rowsOf } from '../db/rows';
import { isUniqueViolation } from '../db/unique-violation';
import { DomainError, NotFoundError, ValidationError } from '../errors';
import { appSecretLoaded } from '../auth/app-secret';
import { loadSurveyView, surveyState, type SurveyView } from '../surveys/survey-view';
import type { ResponseInput } from '$lib/schemas/response';
import { checkStartToken } from './start-token';
import { checkPow } from './proof-of-work';
import { validateAnswers, type CleanAnswers } from './validate-answers';
import { networkPrefix, surveyHash, userAgentClass } from './client-facts';
import { newReceipt } from './receipt';
import { decideSubmission, type Decision } from '../fraud/decide';
import { lookupNetwork } from '../fraud/network-table';
import { normalisePhone } from '$lib/phone';
import {
	checkInvitationAttempts,
	noteFailedInvitation,
	requiresInvitation
} from '../invitations/redeem';
import { codeHash } from '../invitations/codes';
import { normaliseCode } from '$lib/invitation-code';
import {
	checkPhoneVerification,
	phoneAlreadyAnswered,
	requiresPhone
} from '../invitations/phone-verification';

export type SubmissionStatus = 'accepted' | 'flagged' | 'quarantined' | 'excluded';
export const statusCode: Record<SubmissionStatus, number> = {
	accepted: 0,
	flagged: 1,
	quarantined: 2,
	excluded: 3
};

export interface SubmitContext {
	now: Date;
	/** As resolved by adapter-node; only a keyed hash of its network prefix is stored. */
	clientAddress: string;
	userAgent: string | null;
	/** The anonymous device cookie, if the browser kept one. */
	deviceCookie: string | null;
	source: 'live' | 'paper' | 'external';
	/** Importers supply their own start time and skip the token and proof of work. */
	startedAt?: Date;
	/** Importers: the respondent's phone or WeChat openid; only survey-keyed hashes are stored. */
	phone?: string | null;
	openid?: string | null;
}

export interface SubmitResult {
	/** 201 when stored now, 200 when this submissionId was stored before (same receipt). */
	httpStatus: 201 | 200;
	receipt: string;
	submissionId: string;
}

/** Thrown inside the transaction so that it rolls back when an invitation code is not usable. */
class InvitationRefused extends Error {}

/** A hard failure: nothing is stored and the respondent is told why (DESIGN.md §5). */
export class SubmissionRejected extends DomainError {
	constructor(status: number, reason: string, fields?: { path: string; message: string }[]) {
		super(status, reason, reason, fields);
	}
}

function shanghaiDay(d: Date): string {
	return new Date(d.getTime() + 8 * 3600_000).toISOString().slice(0, 10);
}

async function existingReceipt(db: Db | Tx, surveyId: number, clientId: string) {
	const [row] = await db
		.select({ receipt: submission.receipt })
		.from(submission)
		.where(and(eq(submission.surveyId, surveyId), eq(submission.clientId, clientId)));
	return row?.receipt ?? null;
}

/**
 * The one submit pipeline (form action, public API, importer): check the survey is open, validate
 * every answer against it, verify the start token and proof of work, then store the submission,
 * its ratings, comments and decision in one statement that also spends the token's nonce (with an
 * invitation code: burning the code first, in the same transaction). Acknowledged only after
 * commit; idempotent on `submissionId`.
 */
export async function submitResponse(
	db: Db,
	slug: string,
	input: ResponseInput,
	ctx: SubmitContext
): Promise<SubmitResult> {
	let view: SurveyView;
	try {
		view = await loadSurveyView(db, slug);
	} catch (err) {
		if (err instanceof NotFoundError) throw new SubmissionRejected(404, 'survey_not_found');
		throw err;
	}
	const state = surveyState(view.survey, ctx.now);
	if (state === 'draft') throw new SubmissionRejected(404, 'survey_not_found');
	if (state === 'closed') throw new SubmissionRejected(410, 'survey_closed');
	if (state === 'not_yet_open') throw new SubmissionRejected(403, 'survey_not_open_yet');

	const checked = validateAnswers(view, input);
	if (!checked.ok) throw new ValidationError('invalid_answers', checked.errors);
	if (input.website) throw new SubmissionRejected(403, 'honeypot');
	let invitation: string | null = null;
	if (requiresInvitation(view, input.group)) {
		if (!input.invitationCode) {
			throw new ValidationError('invitation_required', [
				{ path: 'invitationCode', message: 'required' }
			]);
		}
		const code = normaliseCode(input.invitationCode);
		if (!code) {
			throw new ValidationError('invitation_malformed', [
				{ path: 'invitationCode', message: 'invitation_malformed' }
			]);
		}
		await checkInvitationAttempts(db, view.survey.id, ctx.clientAddress, ctx.now);
		invitation = codeHash(code);
	}

	const reasons: string[] = [];
	let startedAt: Date | null = ctx.startedAt ?? null;
	let nonce: string | null = null;
	let powMs: number | null = null;
	if (ctx.source === 'live') {
		const key = appSecretLoaded();
		const token = checkStartToken(key, view.survey.id, input.startToken, ctx.now);
		if (!token.ok) {
			// A retry of something already stored must get its receipt, whatever the token says now.
			const prior = await existingReceipt(db, view.survey.id, input.submissionId);
			if (prior) return { httpStatus: 200, receipt: prior, submissionId: input.submissionId };
			throw new SubmissionRejected(403, token.reason);
		}
		if (token.stale) reasons.push('token.stale');
		startedAt = token.token.issuedAt;
		nonce = token.token.nonce;
		if (input.altcha) {
			const pow = checkPow(key, input.altcha, nonce, ctx.now);
			if (!pow.ok && pow.reason !== 'pow.expired') throw new SubmissionRejected(403, pow.reason);
			if (!pow.ok) reasons.push(pow.reason);
			else powMs = pow.solveMs;
		} else {
			reasons.push('pow.missing');
		}
	}

	// ---- Verified phone (issue 5; src/lib/server/invitations/phone-verification.ts) ----
	// A group whose identity is 'phone' needs {phone, code} from an SMS sent to that number: checked
	// here, before the transaction (a wrong code is a 400 and stores nothing). Only the survey-keyed
	// hash of the phone goes further. One accepted submission per phone: a later one is stored but
	// marked `identity.phone_duplicate`, for decideSubmission to quarantine (kept, never dropped).
	let phoneHash: string | null = null;
	if (ctx.source === 'live' && requiresPhone(view, input.group)) {
		phoneHash = await checkPhoneVerification(db, view, input.phoneVerification, ctx.now);
		if (await phoneAlreadyAnswered(db, view.survey.id, phoneHash, input.submissionId)) {
			reasons.push('identity.phone_duplicate');
		}
	}
	// ---- end verified phone ----

	const hashKey = view.survey.hashKey;
	const prefix = networkPrefix(ctx.clientAddress);
	// ---- anti-fraud facts (issue 6): network type/scope from the network table; importers' identities ----
	const network = lookupNetwork(ctx.clientAddress);
	const importedPhone = ctx.phone ? normalisePhone(ctx.phone) : null;
	if (!phoneHash && hashKey && importedPhone) {
		phoneHash = surveyHash(hashKey, 'phone', importedPhone);
	}
	const device = !hashKey
		? null
		: ctx.deviceCookie
			? surveyHash(hashKey, 'device', ctx.deviceCookie)
			: ctx.openid
				? surveyHash(hashKey, 'openid', ctx.openid)
				: null;
	// ---- end anti-fraud facts ----
	const facts = {
		ipPrefixHash: hashKey && prefix ? surveyHash(hashKey, 'net', prefix) : null,
		deviceHash: device,
		phoneHash,
		uaClass: userAgentClass(ctx.userAgent),
		networkType: network?.asnType ?? null,
		networkScope: network?.scope ?? null
	};
	const identityTier = invitation
		? 'invitation'
		: phoneHash
			? 'phone'
			: facts.deviceHash
				? 'device'
				: 'none';
	const pattern = checked.value.ratings.map((r) => String(Math.min(r.level, 9))).join('');
	const decision = await decideSubmission(db, view, {
		surveyId: view.survey.id,
		ruleSetVersion: view.survey.ruleSetVersion,
		receivedAt: ctx.now,
		durationMs: startedAt ? Math.max(0, ctx.now.getTime() - startedAt.getTime()) : null,
		powMs,
		reasons,
		pattern,
		groupCode: input.group,
		areaCode: input.area ?? null,
		ipPrefixHash: facts.ipPrefixHash,
		deviceHash: facts.deviceHash,
		phoneHash,
		networkType: facts.networkType,
		networkScope: facts.networkScope,
		identityTier,
		comments: checked.value.comments.map((c) => c.body),
		answers: checked.value.answers,
		source: ctx.source,
		uaClass: ctx.source === 'live' ? facts.uaClass : null
	});
	const receipt = newReceipt();

	let stored: { kind: 'token_spent' } | { kind: 'duplicate' } | { kind: 'stored'; receipt: string };
	const write = {
		receipt,
		decision,
		pattern,
		identityTier,
		startedAt,
		powMs,
		facts,
		ctx,
		nonce
	};
	try {
		if (!invitation) {
			// One statement, so one implicit transaction and one round trip: spending the token's nonce,
			// the submission, its ratings, comments and decision commit together or not at all.
			const row = await insertSubmission(db, view, input, checked.value, write);
			stored = row ? { kind: 'stored', receipt: row.receipt } : { kind: 'duplicate' };
		} else {
			stored = await db.transaction(async (tx) => {
				// Burning the code and storing the answers commit together; the answers keep no trace of it.
				const burned = rowsOf<{ group_code: string; subgroup: string | null }>(
					await tx.execute(
						sql`delete from invitation_codes where code_hash = ${invitation} and survey_id = ${view.survey.id} returning group_code, subgroup`
					)
				);
				if (!burned.length || burned[0].group_code !== input.group) throw new InvitationRefused();
				const subgroup = burned[0].subgroup ?? input.subgroup;
				const row = await insertSubmission(
					tx,
					view,
					{ ...input, subgroup: subgroup ?? undefined },
					checked.value,
					write
				);
				return row
					? { kind: 'stored' as const, receipt: row.receipt }
					: { kind: 'duplicate' as const };
			});
		}
	} catch (err) {
		if (isUniqueViolation(err, 'spent_nonces_pkey')) {
			// The start token was spent before (a retry of this submission, or a replay): nothing stored.
			stored = { kind: 'token_spent' };
		} else if (err instanceof InvitationRefused) {
			const prior = await existingReceipt(db, view.survey.id, input.submissionId);
			if (prior) return { httpStatus: 200, receipt: prior, submissionId: input.submissionId };
			await noteFailedInvitation(db, view.survey.id, ctx.clientAddress, ctx.now);
			throw new SubmissionRejected(409, 'invitation_code_invalid_or_used', [
				{ path: 'invitationCode', message: 'invitation_code_invalid_or_used' }
			]);
		} else throw err;
	}
	if (stored.kind === 'stored') {
		return { httpStatus: 201, receipt: stored.receipt, submissionId: input.submissionId };
	}
	// The same submissionId raced in or was stored before: same receipt, nothing new stored.
	const prior = await existingReceipt(db, view.survey.id, input.submissionId);
	if (prior) return { httpStatus: 200, receipt: prior, submissionId: input.submissionId };
	throw new SubmissionRejected(403, 'token.replayed');
}

/**
 * One statement: the start token's nonce spent (a unique violation on spent_nonces_pkey when it was
 * spent before, which undoes the whole statement), the submission, its ratings (unnest), comments
 * and decision.
 */
async function insertSubmission(
	tx: DbOrTx,
	view: SurveyView,
	input: ResponseInput,
	clean: CleanAnswers,
	x: {
		receipt: string;
		decision: Decision;
		pattern: string;
		identityTier: string;
		startedAt: Date | null;
		powMs: number | null;
		facts: {
			ipPrefixHash: string | null;
			deviceHash: string | null;
			phoneHash: string | null;
			uaClass: string;
			networkType: string | null;
			networkScope: string | null;
		};
		ctx: SubmitContext;
		nonce: string | null;
	}
): Promise<{ id: number; receipt: string } | null> {
	const s = view.survey;
	const durationMs = x.startedAt ? Math.max(0, x.ctx.now.getTime() - x.startedAt.getTime()) : null;
	const answers = Object.keys(clean.answers).length ? JSON.stringify(clean.answers) : null;
	const comments = JSON.stringify(clean.comments.map((c) => ({ unit_id: c.unitId, body: c.body })));
	const spend = x.nonce
		? sql`n as (
			insert into spent_nonces (nonce, survey_id, spent_at)
			values (${x.nonce}, ${s.id}, ${x.ctx.now.toISOString()}::timestamptz)
		), `
		: sql``;
	const result = await tx.execute(sql`
		with ${spend}s as (
			insert into submissions (
				survey_id, client_id, receipt, group_code, subgroup, area_code, entry_unit, channel, source,
				received_at, started_at, duration_ms, pow_ms, identity_tier, ip_prefix_hash, device_hash,
				phone_hash, ua_class, status, risk, weight, reasons, rule_set_version, answers, pattern,
				network_type, network_scope
			) values (
				${s.id}, ${input.submissionId}, ${x.receipt}, ${input.group}, ${input.subgroup ?? null},
				${input.area ?? null}, ${input.unitCode ?? null}, ${input.channel ?? null}, ${x.ctx.source},
				${x.ctx.now.toISOString()}::timestamptz, ${x.startedAt?.toISOString() ?? null}::timestamptz,
				${durationMs}, ${x.powMs},
				${x.identityTier}, ${x.facts.ipPrefixHash}, ${x.facts.deviceHash},
				${x.facts.phoneHash}, ${x.facts.uaClass}, ${x.decision.action}, ${x.decision.risk}, ${x.decision.weight},
				${codeArray(x.decision.reasons)}::text[], ${s.ruleSetVersion}, ${answers}::jsonb, ${x.pattern},
				${x.facts.networkType}, ${x.facts.networkScope}
			)
			on conflict (survey_id, client_id) do nothing
			returning id, receipt
		), r as (
			insert into ratings (submission_id, unit_id, group_id, area_id, level, value, status, day, weight)
			select s.id, u.unit_id, ${clean.groupId}, ${clean.areaId}, u.level, u.value,
				${statusCode[x.decision.action]}, ${shanghaiDay(x.ctx.now)}::date, ${x.decision.weight}
			from s, unnest(
				${intArray(clean.ratings.map((r) => r.unitId))}::int[],
				${intArray(clean.ratings.map((r) => r.level))}::smallint[],
				${intArray(clean.ratings.map((r) => r.value))}::smallint[]
			) as u(unit_id, level, value)
		), c as (
			insert into comments (submission_id, survey_id, unit_id, body)
			select s.id, ${s.id}, x.unit_id, x.body
			from s, jsonb_to_recordset(${comments}::jsonb) as x(unit_id int, body text)
		), d as (
			insert into decisions (submission_id, rule_set_version, action, risk, weight, reasons, source)
			select s.id, ${s.ruleSetVersion}, ${x.decision.action}, ${x.decision.risk}, ${x.decision.weight},
				${codeArray(x.decision.reasons)}::text[], 'pipeline'
			from s
		)
		select id, receipt from s
	`);
	const [row] = rowsOf<{ id: number | string; receipt: string }>(result);
	return row ? { id: Number(row.id), receipt: row.receipt } : null;
}
