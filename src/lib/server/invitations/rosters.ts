import { and, asc, eq, sql, type SQL } from 'drizzle-orm';
import type { DbOrTx } from '../db/client';
import { invitationCode, job, rosterEntry, type Survey } from '../db/schema';
import { codeArray, intArray, rowsOf } from '../db/rows';
import { appendAudit, type Actor } from '../audit/audit-log';
import { ConflictError, NotFoundError, ReadOnlyError, ValidationError } from '../errors';
import { getWritableCycle } from '../cycles/cycles';
import { listGroups } from '../cycles/groups';
import { getSurveyBySlug } from '../surveys/surveys';
import { ImportFileError, readSpreadsheet, type SheetRow } from '../imports/spreadsheet';
import { ImportRowsError } from '../cycles/bulk-import';
import type { RowError } from '../imports/row-error';
import { codeHash, generateCode } from './codes';
import { encryptPhone, rosterPhoneHash } from './phone-cipher';
import { normalisePhone } from '$lib/phone';
import { rosterRowSchema, type RosterRowInput } from '$lib/schemas/invitation';

/**
 * Rosters and their invitation codes (DESIGN.md §5, §7). Ballot-box separation: a code is shown once
 * and stored only as a keyed hash; the submission that burns it keeps no reference to it. The roster
 * learns "has answered" from the code's absence in `invitation_codes`, and the day it happened only
 * from a once-a-day batch (`stampAnsweredDays`), so no roster row changes in step with a submission.
 */

export interface RosterGroup {
	code: string;
	label: string;
	subgroups: { code: string; label: string }[];
}

export interface IssuedCode {
	entryId: number;
	label: string;
	organisation: string | null;
	group: string;
	subgroup: string | null;
	/** In clear, this once; never stored. */
	code: string;
}

export interface RosterListEntry {
	id: number;
	group: string;
	subgroup: string | null;
	label: string;
	organisation: string | null;
	hasPhone: boolean;
	codeIssued: boolean;
	codesRevoked: number;
	/** From the daily batch: never finer than a day, and at most a day late. */
	answered: boolean;
	answeredOn: string | null;
	remindersSent: number;
	lastRemindedOn: string | null;
}

const OFFSET_MS = 8 * 3600_000;

/** The calendar day in Asia/Shanghai (UTC+8 all year). */
export function shanghaiDay(d: Date): string {
	return new Date(d.getTime() + OFFSET_MS).toISOString().slice(0, 10);
}

function shanghaiHour(d: Date): number {
	return new Date(d.getTime() + OFFSET_MS).getUTCHours();
}

function previousDay(day: string): string {
	return new Date(Date.parse(`${day}T00:00:00Z`) - 86_400_000).toISOString().slice(0, 10);
}

/** The built-in deputies' subgroups as offices write them. */
const builtInSubgroups: Record<string, string> = {
	党代表: 'party',
	人大代表: 'npc',
	政协委员: 'cppcc'
};

/** Columns of a roster spreadsheet: Chinese first, as offices type them. */
export const rosterColumns = {
	columns: ['label', 'subgroup', 'phone', 'organisation'],
	required: ['label'],
	aliases: {
		姓名: 'label',
		名称: 'label',
		name: 'label',
		label: 'label',
		类别: 'subgroup',
		身份: 'subgroup',
		subgroup: 'subgroup',
		手机: 'phone',
		手机号: 'phone',
		手机号码: 'phone',
		电话: 'phone',
		phone: 'phone',
		mobile: 'phone',
		单位: 'organisation',
		工作单位: 'organisation',
		organisation: 'organisation',
		organization: 'organisation'
	} as Record<string, string>
};

function squash(s: string | null | undefined): string {
	return (s ?? '').normalize('NFKC').replace(/\s+/g, '').toLowerCase();
}

/** Two rows are the same person when name and organisation agree (two 王伟 in two units are not). */
function personKey(label: string, organisation: string | null | undefined): string {
	return `${squash(label)}\0${squash(organisation)}`;
}

export function resolveSubgroup(
	g: RosterGroup,
	typed: string | null | undefined
): { code: string | null } | { error: string } {
	const t = (typed ?? '').normalize('NFKC').trim();
	if (!g.subgroups.length) return t ? { error: 'unknown_subgroup' } : { code: null };
	if (!t) return { error: 'subgroup_required' };
	const lower = t.toLowerCase();
	const hit =
		g.subgroups.find((s) => s.code.toLowerCase() === lower) ??
		g.subgroups.find((s) => s.label.normalize('NFKC').trim() === t) ??
		g.subgroups.find((s) => s.code === builtInSubgroups[t]);
	return hit ? { code: hit.code } : { error: 'unknown_subgroup' };
}

/** The survey and one of its groups that answers with invitation codes, or a clear error. */
export async function rosterContext(
	db: DbOrTx,
	slug: string,
	groupCode: string,
	opts: { write: boolean }
): Promise<{ survey: Survey; group: RosterGroup }> {
	const s = await getSurveyBySlug(db, slug);
	if (opts.write) {
		await getWritableCycle(db, s.cycleId);
		if (s.status === 'closed') throw new ReadOnlyError('survey_closed');
	}
	const groups = await invitationGroups(db, s);
	const g = groups.find((x) => x.code === groupCode);
	if (!g) {
		const known = s.definition.groups.includes(groupCode);
		throw new ValidationError(known ? 'group_not_invitation' : 'unknown_group', [
			{ path: 'group', message: known ? 'group_not_invitation' : 'unknown_group' }
		]);
	}
	return { survey: s, group: g };
}

/** The survey's groups that answer with codes: all of them in an invitation-only survey. */
export async function invitationGroups(db: DbOrTx, s: Survey): Promise<RosterGroup[]> {
	const rows = await listGroups(db, s.cycleId);
	return s.definition.groups
		.map((code) => rows.find((g) => g.code === code))
		.filter((g): g is (typeof rows)[number] => !!g)
		.filter((g) => s.definition.access === 'invitation' || g.identity === 'invitation')
		.map((g) => ({ code: g.code, label: g.label, subgroups: g.subgroups }));
}

/** Serialises roster writes of one survey (imports, issuing) across processes. */
async function lockSurvey(tx: DbOrTx, surveyId: number): Promise<void> {
	await tx.execute(sql`select id from surveys where id = ${surveyId} for update`);
}

interface PreparedEntry {
	label: string;
	subgroup: string | null;
	organisation: string | null;
	phone: string | null;
	phoneHash: string | null;
}

interface ExistingKeys {
	people: Map<string, number>;
	phones: Map<string, number>;
}

async function existingKeys(
	db: DbOrTx,
	surveyId: number,
	exceptId?: number
): Promise<ExistingKeys> {
	const rows = await db
		.select({
			id: rosterEntry.id,
			label: rosterEntry.label,
			organisation: rosterEntry.organisation,
			phoneHash: rosterEntry.phoneHash
		})
		.from(rosterEntry)
		.where(eq(rosterEntry.surveyId, surveyId));
	const people = new Map<string, number>();
	const phones = new Map<string, number>();
	for (const r of rows) {
		if (r.id === exceptId) continue;
		people.set(personKey(r.label, r.organisation), r.id);
		if (r.phoneHash) phones.set(r.phoneHash, r.id);
	}
	return { people, phones };
}

/**
 * Validates rows against the group and against each other and the roster already stored:
 * bad phones, unknown subgroups, and duplicates (same phone, or same name and organisation).
 */
function prepareRows(
	surveyId: number,
	g: RosterGroup,
	rows: RosterRowInput[],
	existing: ExistingKeys,
	rowOf: (i: number) => number,
	defaultSubgroup?: string
): { entries: PreparedEntry[]; errors: RowError[] } {
	const errors: RowError[] = [];
	const entries: PreparedEntry[] = [];
	const seenPeople = new Map<string, number>();
	const seenPhones = new Map<string, number>();
	rows.forEach((raw, i) => {
		const row = rowOf(i);
		const parsed = rosterRowSchema.safeParse(raw);
		if (!parsed.success) {
			for (const issue of parsed.error.issues) {
				errors.push({ row, column: issue.path.map(String).join('.'), message: issue.message });
			}
			return;
		}
		const r = parsed.data;
		let ok = true;
		const sub = resolveSubgroup(g, r.subgroup ?? defaultSubgroup);
		if ('error' in sub) {
			errors.push({ row, column: 'subgroup', message: sub.error });
			ok = false;
		}
		let phone: string | null = null;
		let phoneHash: string | null = null;
		if (r.phone) {
			phone = normalisePhone(r.phone);
			if (!phone) {
				errors.push({ row, column: 'phone', message: 'invalid_phone' });
				ok = false;
			} else {
				phoneHash = rosterPhoneHash(surveyId, phone);
				const before = seenPhones.get(phoneHash);
				if (before !== undefined) {
					errors.push({ row, column: 'phone', message: `duplicate_phone_in_file: ${before}` });
					ok = false;
				} else if (existing.phones.has(phoneHash)) {
					errors.push({ row, column: 'phone', message: 'duplicate_phone_on_roster' });
					ok = false;
				} else seenPhones.set(phoneHash, row);
			}
		}
		const key = personKey(r.label, r.organisation);
		const before = seenPeople.get(key);
		if (before !== undefined) {
			errors.push({ row, column: 'label', message: `duplicate_person_in_file: ${before}` });
			ok = false;
		} else if (existing.people.has(key)) {
			errors.push({ row, column: 'label', message: 'duplicate_person_on_roster' });
			ok = false;
		} else seenPeople.set(key, row);
		if (ok && !('error' in sub)) {
			entries.push({
				label: r.label,
				subgroup: sub.code,
				organisation: r.organisation ?? null,
				phone,
				phoneHash
			});
		}
	});
	return { entries, errors };
}

export interface AddedEntry {
	id: number;
	label: string;
	subgroup: string | null;
	organisation: string | null;
}

/**
 * Adds people to a survey's roster for one group: all rows or none. Problems come back as an
 * ImportRowsError naming each row (`lines` gives spreadsheet line numbers; otherwise 1-based index).
 */
export async function addRosterEntries(
	db: DbOrTx,
	actor: Actor,
	slug: string,
	groupCode: string,
	rows: RosterRowInput[],
	opts: { source: string; lines?: number[]; defaultSubgroup?: string }
): Promise<AddedEntry[]> {
	const { survey: s, group: g } = await rosterContext(db, slug, groupCode, { write: true });
	if (!rows.length) throw new ImportRowsError([{ row: 0, column: '', message: 'no_rows' }]);
	return db.transaction(async (tx) => {
		await lockSurvey(tx, s.id);
		const existing = await existingKeys(tx, s.id);
		const { entries, errors } = prepareRows(
			s.id,
			g,
			rows,
			existing,
			(i) => opts.lines?.[i] ?? i + 1,
			opts.defaultSubgroup
		);
		if (errors.length) throw new ImportRowsError(errors.slice(0, 200));
		const added: AddedEntry[] = [];
		for (let i = 0; i < entries.length; i += 1000) {
			const chunk = entries.slice(i, i + 1000);
			const ids = await tx
				.insert(rosterEntry)
				.values(
					chunk.map((e) => ({
						surveyId: s.id,
						groupCode: g.code,
						subgroup: e.subgroup,
						label: e.label,
						organisation: e.organisation,
						phoneCipher: e.phone ? encryptPhone(e.phone) : null,
						phoneHash: e.phoneHash
					}))
				)
				.returning({ id: rosterEntry.id });
			ids.forEach((r, j) =>
				added.push({
					id: r.id,
					label: chunk[j].label,
					subgroup: chunk[j].subgroup,
					organisation: chunk[j].organisation
				})
			);
		}
		await appendAudit(tx, actor, {
			action: 'roster.add',
			targetType: 'survey',
			targetId: slug,
			cycleId: s.cycleId,
			detail: {
				group: g.code,
				count: added.length,
				withPhone: entries.filter((e) => e.phone).length,
				source: opts.source
			}
		});
		return added;
	});
}

/** Reads a CSV/XLSX roster (姓名, 类别, 手机, 单位) and adds it: every row good, or nothing. */
export async function importRosterFile(
	db: DbOrTx,
	actor: Actor,
	slug: string,
	groupCode: string,
	filename: string,
	bytes: Uint8Array
): Promise<{ imported: number }> {
	let rows: SheetRow[];
	try {
		rows = await readSpreadsheet(bytes, filename, rosterColumns.aliases, rosterColumns.required);
	} catch (err) {
		if (err instanceof ImportFileError) throw new ImportRowsError(err.errors);
		throw err;
	}
	const added = await addRosterEntries(
		db,
		actor,
		slug,
		groupCode,
		rows.map((r) => ({
			label: r.cells.label ?? '',
			subgroup: r.cells.subgroup || undefined,
			phone: r.cells.phone || undefined,
			organisation: r.cells.organisation || undefined
		})),
		{ source: `file:${filename.slice(0, 100)}`, lines: rows.map((r) => r.line) }
	);
	return { imported: added.length };
}

/** `count` entries without names (`#0001`…), for codes handed out at a meeting, say. */
export async function addAnonymousEntries(
	db: DbOrTx,
	actor: Actor,
	slug: string,
	groupCode: string,
	count: number,
	subgroup?: string
): Promise<AddedEntry[]> {
	const s = await getSurveyBySlug(db, slug);
	const [{ n }] = rowsOf<{ n: number }>(
		await db.execute(
			sql`select count(*)::int as n from roster_entries where survey_id = ${s.id} and label like '#%'`
		)
	);
	const start = Number(n);
	return addRosterEntries(
		db,
		actor,
		slug,
		groupCode,
		Array.from({ length: count }, (_, i) => ({
			label: `#${String(start + i + 1).padStart(4, '0')}`
		})),
		{ source: 'count', defaultSubgroup: subgroup }
	);
}

async function entryOf(db: DbOrTx, surveyId: number, entryId: number, lock = false) {
	if (!Number.isSafeInteger(entryId) || entryId <= 0) {
		throw new NotFoundError('roster_entry_not_found');
	}
	const rows = rowsOf<{
		id: number;
		group_code: string;
		subgroup: string | null;
		label: string;
		organisation: string | null;
		code_hash: string | null;
	}>(
		await db.execute(
			sql`select id, group_code, subgroup, label, organisation, code_hash from roster_entries
			    where id = ${entryId} and survey_id = ${surveyId} ${lock ? sql`for update` : sql``}`
		)
	);
	if (!rows[0]) throw new NotFoundError('roster_entry_not_found');
	return { ...rows[0], id: Number(rows[0].id) };
}

export interface RosterEntryPatch {
	label?: string;
	organisation?: string | null;
	subgroup?: string | null;
	/** A new number; null removes it; undefined keeps it. */
	phone?: string | null;
}

/** Edits one person. A subgroup change follows the unused code; after answering it is refused. */
export async function updateRosterEntry(
	db: DbOrTx,
	actor: Actor,
	slug: string,
	entryId: number,
	patch: RosterEntryPatch
): Promise<void> {
	const s = await getSurveyBySlug(db, slug);
	await db.transaction(async (tx) => {
		await lockSurvey(tx, s.id);
		const before = await entryOf(tx, s.id, entryId, true);
		const { group: g } = await rosterContext(tx, slug, before.group_code, { write: true });
		const merged: RosterRowInput = {
			label: patch.label ?? before.label,
			organisation:
				patch.organisation === undefined
					? (before.organisation ?? undefined)
					: (patch.organisation ?? undefined),
			subgroup:
				patch.subgroup === undefined
					? (before.subgroup ?? undefined)
					: (patch.subgroup ?? undefined),
			phone: patch.phone ?? undefined
		};
		const existing = await existingKeys(tx, s.id, before.id);
		const { entries, errors } = prepareRows(s.id, g, [merged], existing, () => 1);
		if (errors.length) {
			throw new ValidationError(
				'invalid_roster_entry',
				errors.map((e) => ({ path: e.column, message: e.message.split(':')[0] }))
			);
		}
		const e = entries[0];
		if (e.subgroup !== before.subgroup && before.code_hash) {
			const moved = rowsOf<{ code_hash: string }>(
				await tx.execute(
					sql`update invitation_codes set subgroup = ${e.subgroup} where code_hash = ${before.code_hash} returning code_hash`
				)
			);
			if (!moved.length) throw new ConflictError('roster_entry_answered');
		}
		await tx
			.update(rosterEntry)
			.set({
				label: e.label,
				organisation: e.organisation,
				subgroup: e.subgroup,
				...(patch.phone === undefined
					? {}
					: { phoneCipher: e.phone ? encryptPhone(e.phone) : null, phoneHash: e.phoneHash })
			})
			.where(eq(rosterEntry.id, before.id));
		await appendAudit(tx, actor, {
			action: 'roster.update',
			targetType: 'roster_entry',
			targetId: before.id,
			cycleId: s.cycleId,
			detail: {
				survey: slug,
				fields: Object.keys(patch).filter((k) => patch[k as keyof RosterEntryPatch] !== undefined)
			}
		});
	});
}

/** Removes one person; an unused code goes with them. Someone who answered stays (the rate counts them). */
export async function removeRosterEntry(
	db: DbOrTx,
	actor: Actor,
	slug: string,
	entryId: number
): Promise<void> {
	const s = await getSurveyBySlug(db, slug);
	await getWritableCycle(db, s.cycleId);
	await db.transaction(async (tx) => {
		const e = await entryOf(tx, s.id, entryId, true);
		if (e.code_hash) {
			const gone = rowsOf<{ code_hash: string }>(
				await tx.execute(
					sql`delete from invitation_codes where code_hash = ${e.code_hash} returning code_hash`
				)
			);
			if (!gone.length) throw new ConflictError('roster_entry_answered');
		}
		await tx.delete(rosterEntry).where(eq(rosterEntry.id, e.id));
		await appendAudit(tx, actor, {
			action: 'roster.remove',
			targetType: 'roster_entry',
			targetId: e.id,
			cycleId: s.cycleId,
			detail: { survey: slug, group: e.group_code, hadCode: !!e.code_hash }
		});
	});
}

/** Writes fresh codes for the given entries (which must have none, or whose old code was just deleted). */
async function writeCodes(
	tx: DbOrTx,
	surveyId: number,
	entries: { id: number; group_code: string; subgroup: string | null }[],
	now: Date,
	revoked: ReadonlySet<number> = new Set()
): Promise<Map<number, string>> {
	const codes = new Map<number, string>();
	if (!entries.length) return codes;
	const hashes: string[] = [];
	for (const e of entries) {
		const code = generateCode();
		codes.set(e.id, code);
		hashes.push(codeHash(code));
	}
	await tx.insert(invitationCode).values(
		entries.map((e, i) => ({
			codeHash: hashes[i],
			surveyId,
			groupCode: e.group_code,
			subgroup: e.subgroup
		}))
	);
	await tx.execute(sql`
		update roster_entries r
		set code_hash = v.h, code_issued_at = ${now.toISOString()}::timestamptz,
			codes_revoked = r.codes_revoked + v.rv
		from unnest(
			${intArray(entries.map((e) => e.id))}::int[],
			${codeArray(hashes)}::text[],
			${intArray(entries.map((e) => (revoked.has(e.id) ? 1 : 0)))}::int[]
		) as v(id, h, rv)
		where r.id = v.id`);
	return codes;
}

/**
 * Issues a code to every entry of the group (and subgroup, or the listed entries) that has none.
 * The codes are returned this once, for slips, links or SMS; only their keyed hashes are kept.
 */
export async function issueCodes(
	db: DbOrTx,
	actor: Actor,
	slug: string,
	filter: { group: string; subgroup?: string; entryIds?: number[]; withPhoneOnly?: boolean },
	now = new Date()
): Promise<IssuedCode[]> {
	const { survey: s, group: g } = await rosterContext(db, slug, filter.group, { write: true });
	return db.transaction(async (tx) => {
		await lockSurvey(tx, s.id);
		const where: SQL[] = [
			sql`survey_id = ${s.id}`,
			sql`group_code = ${g.code}`,
			sql`code_hash is null`
		];
		if (filter.subgroup) where.push(sql`subgroup = ${filter.subgroup}`);
		if (filter.entryIds) where.push(sql`id = any(${intArray(filter.entryIds)}::int[])`);
		if (filter.withPhoneOnly) where.push(sql`phone_cipher is not null`);
		const entries = rowsOf<{
			id: number;
			group_code: string;
			subgroup: string | null;
			label: string;
			organisation: string | null;
		}>(
			await tx.execute(
				sql`select id, group_code, subgroup, label, organisation from roster_entries
				    where ${sql.join(where, sql` and `)} order by id for update`
			)
		).map((e) => ({ ...e, id: Number(e.id) }));
		const codes = await writeCodes(tx, s.id, entries, now);
		if (entries.length) {
			await appendAudit(tx, actor, {
				action: 'invitation.issue',
				targetType: 'survey',
				targetId: slug,
				cycleId: s.cycleId,
				detail: { group: g.code, subgroup: filter.subgroup ?? null, count: entries.length }
			});
		}
		return entries.map((e) => ({
			entryId: e.id,
			label: e.label,
			organisation: e.organisation,
			group: e.group_code,
			subgroup: e.subgroup,
			code: codes.get(e.id)!
		}));
	});
}

/**
 * A lost code: the old one is revoked (its row deleted, so it is refused from now on) and a new one
 * issued. A code already used cannot be revoked: that person has answered.
 */
export async function reissueCodes(
	db: DbOrTx,
	actor: Actor,
	slug: string,
	entryIds: number[],
	now = new Date(),
	opts: {
		reason?: string;
		/**
		 * Runs before commit with the new codes (an SMS with the new link): if it throws, nothing
		 * changes and the old code stays valid, so a person is never left without a working code.
		 */
		deliver?: (issued: IssuedCode[]) => Promise<void>;
	} = {}
): Promise<IssuedCode[]> {
	const s = await getSurveyBySlug(db, slug);
	await getWritableCycle(db, s.cycleId);
	if (s.status === 'closed') throw new ReadOnlyError('survey_closed');
	return db.transaction(async (tx) => {
		const entries = [];
		for (const id of entryIds) entries.push(await entryOf(tx, s.id, id, true));
		const groups = new Set((await invitationGroups(tx, s)).map((g) => g.code));
		for (const e of entries) {
			if (!groups.has(e.group_code)) throw new ConflictError('group_not_invitation');
			if (!e.code_hash) continue;
			const gone = rowsOf<{ code_hash: string }>(
				await tx.execute(
					sql`delete from invitation_codes where code_hash = ${e.code_hash} and survey_id = ${s.id} returning code_hash`
				)
			);
			if (!gone.length) throw new ConflictError('roster_entry_answered');
		}
		const revoked = new Set(entries.filter((e) => e.code_hash).map((e) => e.id));
		const codes = await writeCodes(tx, s.id, entries, now, revoked);
		for (const e of entries) {
			await appendAudit(tx, actor, {
				action: e.code_hash ? 'invitation.reissue' : 'invitation.issue',
				targetType: 'roster_entry',
				targetId: e.id,
				cycleId: s.cycleId,
				detail: { survey: slug, reason: opts.reason ?? 'lost' }
			});
		}
		const issued = entries.map((e) => ({
			entryId: e.id,
			label: e.label,
			organisation: e.organisation,
			group: e.group_code,
			subgroup: e.subgroup,
			code: codes.get(e.id)!
		}));
		if (opts.deliver) await opts.deliver(issued);
		return issued;
	});
}

export async function listRoster(
	db: DbOrTx,
	surveyId: number,
	groupCode?: string
): Promise<RosterListEntry[]> {
	const rows = await db
		.select({
			id: rosterEntry.id,
			group: rosterEntry.groupCode,
			subgroup: rosterEntry.subgroup,
			label: rosterEntry.label,
			organisation: rosterEntry.organisation,
			hasPhone: sql<boolean>`${rosterEntry.phoneCipher} is not null`,
			codeIssued: sql<boolean>`${rosterEntry.codeHash} is not null`,
			codesRevoked: rosterEntry.codesRevoked,
			answeredOn: rosterEntry.answeredOn,
			remindersSent: rosterEntry.remindersSent,
			lastRemindedOn: rosterEntry.lastRemindedOn
		})
		.from(rosterEntry)
		.where(
			groupCode
				? and(eq(rosterEntry.surveyId, surveyId), eq(rosterEntry.groupCode, groupCode))
				: eq(rosterEntry.surveyId, surveyId)
		)
		.orderBy(asc(rosterEntry.groupCode), asc(rosterEntry.id));
	return rows.map((r) => ({
		...r,
		hasPhone: Boolean(r.hasPhone),
		codeIssued: Boolean(r.codeIssued),
		answered: r.answeredOn !== null
	}));
}

export interface RosterStatsRow {
	group: string;
	subgroup: string | null;
	/** People on the roster. */
	total: number;
	/** Of them, with a code. */
	issued: number;
	/** Codes gone from `invitation_codes`: answered (live, counts only). */
	answered: number;
	/** People reminded at least once, and reminders sent in all. */
	reminded: number;
	reminders: number;
}

/** Issued and answered per group and subgroup, live from the codes' absence (aggregates only). */
export async function rosterStats(db: DbOrTx, surveyId: number): Promise<RosterStatsRow[]> {
	const rows = rowsOf<{
		group_code: string;
		subgroup: string | null;
		total: number;
		issued: number;
		answered: number;
		reminded: number;
		reminders: number;
	}>(
		await db.execute(sql`
			select r.group_code, r.subgroup, count(*)::int as total, count(r.code_hash)::int as issued,
				(count(*) filter (where r.code_hash is not null and not exists (
					select 1 from invitation_codes c where c.code_hash = r.code_hash)))::int as answered,
				(count(*) filter (where r.reminders_sent > 0))::int as reminded,
				coalesce(sum(r.reminders_sent), 0)::int as reminders
			from roster_entries r
			where r.survey_id = ${surveyId}
			group by r.group_code, r.subgroup
			order by r.group_code, r.subgroup nulls first`)
	);
	return rows.map((r) => ({
		group: r.group_code,
		subgroup: r.subgroup,
		total: Number(r.total),
		issued: Number(r.issued),
		answered: Number(r.answered),
		reminded: Number(r.reminded),
		reminders: Number(r.reminders)
	}));
}

/** Entries stamped as answered per day (Asia/Shanghai) and subgroup, from the daily batch. */
export async function answeredByDay(
	db: DbOrTx,
	surveyId: number
): Promise<{ day: string; group: string; subgroup: string | null; n: number }[]> {
	const rows = rowsOf<{ day: string; group_code: string; subgroup: string | null; n: number }>(
		await db.execute(sql`
			select answered_on::text as day, group_code, subgroup, count(*)::int as n
			from roster_entries
			where survey_id = ${surveyId} and answered_on is not null
			group by answered_on, group_code, subgroup
			order by answered_on`)
	);
	return rows.map((r) => ({
		day: r.day,
		group: r.group_code,
		subgroup: r.subgroup,
		n: Number(r.n)
	}));
}

/**
 * The daily batch: every roster entry whose code is gone and that has no answered day yet gets one,
 * in ONE statement for all surveys, at most once per Asia/Shanghai day (claimed through a `jobs` row,
 * so several processes agree). Run just after midnight it stamps the previous day; run later (lazily
 * from the dashboard after a missed night) the current one. Because all entries answered since the
 * last run change together, in one transaction, neither their `answered_on` nor their xmin can be
 * matched to a submission any closer than a day. Returns how many were stamped, or null when today's
 * run already happened.
 */
export async function stampAnsweredDays(db: DbOrTx, now = new Date()): Promise<number | null> {
	const today = shanghaiDay(now);
	const day = shanghaiHour(now) < 6 ? previousDay(today) : today;
	return db.transaction(async (tx) => {
		const claimed = await tx
			.insert(job)
			.values({ id: `roster-stamp:${today}`, kind: 'roster-stamp', status: 'running' })
			.onConflictDoNothing()
			.returning({ id: job.id });
		if (!claimed.length) return null;
		const stamped = rowsOf<{ n: number }>(
			await tx.execute(sql`
				with s as (
					update roster_entries r set answered_on = ${day}::date
					where r.answered_on is null and r.code_hash is not null
						and not exists (select 1 from invitation_codes c where c.code_hash = r.code_hash)
					returning 1
				)
				select count(*)::int as n from s`)
		);
		const n = Number(stamped[0]?.n ?? 0);
		await tx
			.update(job)
			.set({ status: 'done', progress: n, total: n, result: { day, stamped: n }, updatedAt: now })
			.where(eq(job.id, `roster-stamp:${today}`));
		return n;
	});
}

let timer: ReturnType<typeof setTimeout> | undefined;

/**
 * Runs `stampAnsweredDays` a few minutes after each Shanghai midnight (and once at start, which is a
 * no-op when today's run already happened). Returns a stop function.
 */
export function scheduleDailyStamp(getDb: () => DbOrTx, log: (err: unknown) => void): () => void {
	const run = () => {
		stampAnsweredDays(getDb()).catch(log);
		const now = Date.now();
		const nextMidnight =
			Math.floor((now + OFFSET_MS) / 86_400_000 + 1) * 86_400_000 - OFFSET_MS + 5 * 60_000;
		timer = setTimeout(run, nextMidnight - now);
		timer.unref?.();
	};
	run();
	return () => {
		if (timer) clearTimeout(timer);
		timer = undefined;
	};
}
