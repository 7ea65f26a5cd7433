import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import ExcelJS from 'exceljs';
import { createTestDb } from '$lib/server/db/testing';
import type { Db, DbHandle } from '$lib/server/db/client';
import { loadAppSecret } from '$lib/server/auth/app-secret';
import { importCycle } from '$lib/server/cycles/cycle-document';
import { ImportRowsError } from '$lib/server/cycles/bulk-import';
import { publishSurvey } from '$lib/server/surveys/surveys';
import { submitResponse } from '$lib/server/responses/submit-response';
import {
	addRosterEntries,
	importRosterFile,
	issueCodes,
	listRoster,
	reissueCodes,
	removeRosterEntry,
	rosterStats,
	stampAnsweredDays,
	updateRosterEntry,
	type IssuedCode
} from '$lib/server/invitations/rosters';
import { sendReminders } from '$lib/server/invitations/delivery';
import { decryptPhone } from '$lib/server/invitations/phone-cipher';
import { CLIENT_LIMIT, SURVEY_LIMIT } from '$lib/server/invitations/redeem';
import { ConflictError, DomainError, TooManyRequestsError } from '$lib/server/errors';
import { cycleDocumentSchema } from '$lib/schemas/cycle-document';
import { admin, dumpAllTables, rowsOf } from '../fixtures/db';
import { invitationCycleDocument, sampleRoster, satisfiedRatings } from '../fixtures/invitations';

let handle: DbHandle;
let db: Db;
const P = 'invdb';
const DEPUTIES = `${P}-deputies`;
const OTHER = `${P}-other`;
let ip = 0;

/** A paper-style submission through the real pipeline (no start token), from its own address. */
function submit(slug: string, code: string | undefined, now = new Date(), address?: string) {
	return submitResponse(
		db,
		slug,
		{
			submissionId: randomUUID(),
			startToken: 'paper',
			group: 'deputies',
			invitationCode: code,
			ratings: satisfiedRatings()
		},
		{
			now,
			clientAddress: address ?? `10.1.${Math.floor(++ip / 250)}.${ip % 250}`,
			userAgent: null,
			deviceCookie: null,
			source: 'paper',
			startedAt: new Date(now.getTime() - 120_000)
		}
	);
}

async function refusal(p: Promise<unknown>): Promise<DomainError> {
	const err = await p.then(
		() => null,
		(e: unknown) => e
	);
	expect(err).toBeInstanceOf(DomainError);
	return err as DomainError;
}

async function rosterRows(surveySlug: string) {
	return rowsOf<Record<string, string | null>>(
		await db.execute(sql`
			select r.*, r.xmin::text as xmin from roster_entries r
			join surveys s on s.id = r.survey_id where s.slug = ${surveySlug} order by r.id`)
	);
}

beforeAll(async () => {
	handle = await createTestDb();
	db = handle.db;
	await loadAppSecret(db);
	await importCycle(db, admin, cycleDocumentSchema.parse(invitationCycleDocument(P)));
	for (const slug of [DEPUTIES, OTHER]) await publishSurvey(db, admin, slug);
});
afterAll(async () => {
	await handle?.close();
});

describe('roster import', () => {
	it('imports a CSV roster with Chinese headers and subgroup labels; phones are stored only encrypted', async () => {
		const csv =
			'\uFEFF姓名,类别,手机,单位\r\n' +
			'王建国,党代表,138 0013 8001,河口镇\r\n' +
			'李芳,人大代表,+86 13800138002,\r\n' +
			'张伟,cppcc,,县直机关\r\n';
		const r = await importRosterFile(db, admin, DEPUTIES, 'deputies', 'r.csv', Buffer.from(csv));
		expect(r.imported).toBe(3);
		const list = await listRoster(db, (await rosterSurveyId(DEPUTIES))!, 'deputies');
		expect(list.map((e) => [e.label, e.subgroup, e.hasPhone, e.codeIssued])).toEqual([
			['王建国', 'party', true, false],
			['李芳', 'npc', true, false],
			['张伟', 'cppcc', false, false]
		]);
		const rows = await rosterRows(DEPUTIES);
		expect(decryptPhone(rows[0].phone_cipher as unknown as Uint8Array)).toBe('13800138001');
		const dump = JSON.stringify(await dumpAllTables(db));
		expect(dump).not.toContain('13800138001');
		expect(dump).not.toContain('13800138002');
	});

	it('imports an XLSX roster whose phone column holds numbers', async () => {
		const wb = new ExcelJS.Workbook();
		const ws = wb.addWorksheet('名单');
		ws.addRow(['姓名', '类别', '手机', '单位']);
		ws.addRow(['赵敏', '政协委员', 13800138003, '石桥镇']);
		const bytes = new Uint8Array(await wb.xlsx.writeBuffer());
		const r = await importRosterFile(db, admin, DEPUTIES, 'deputies', 'r.xlsx', bytes);
		expect(r.imported).toBe(1);
	});

	it('refuses a whole file with duplicates, bad phones or unknown subgroups, naming each row', async () => {
		const before = (await rosterRows(DEPUTIES)).length;
		const csv =
			'姓名,类别,手机,单位\n' +
			'甲,党代表,13900000001,一\n' + // line 2: fine
			'乙,党代表,1390000000,一\n' + // line 3: ten digits
			'丙,人大代表,13900000001,二\n' + // line 4: same phone as line 2
			'甲,党代表,,一\n' + // line 5: same person as line 2
			'丁,群众,,\n' + // line 6: unknown subgroup
			'戊,,13900000009,\n' + // line 7: no subgroup
			'王建国,党代表,,河口镇\n' + // line 8: already on the roster
			'己,党代表,13800138002,\n'; // line 9: phone already on the roster
		const err = await importRosterFile(
			db,
			admin,
			DEPUTIES,
			'deputies',
			'bad.csv',
			Buffer.from(csv)
		).then(
			() => null,
			(e: unknown) => e
		);
		expect(err).toBeInstanceOf(ImportRowsError);
		const found = (err as ImportRowsError).errors.map(
			(e) => `${e.row}:${e.column}:${e.message.split(':')[0]}`
		);
		expect(found).toEqual([
			'3:phone:invalid_phone',
			'4:phone:duplicate_phone_in_file',
			'5:label:duplicate_person_in_file',
			'6:subgroup:unknown_subgroup',
			'7:subgroup:subgroup_required',
			'8:label:duplicate_person_on_roster',
			'9:phone:duplicate_phone_on_roster'
		]);
		expect((await rosterRows(DEPUTIES)).length).toBe(before);
	});

	it('refuses a group that does not answer with codes, and a file without the name column', async () => {
		const e1 = await refusal(
			addRosterEntries(db, admin, `${P}-phone`, 'residents', [{ label: 'x' }], { source: 'test' })
		);
		expect(e1.message).toBe('group_not_invitation');
		const e2 = await importRosterFile(
			db,
			admin,
			DEPUTIES,
			'deputies',
			'x.csv',
			Buffer.from('手机\n13800138009\n')
		).then(
			() => null,
			(e: unknown) => e
		);
		expect((e2 as ImportRowsError).errors[0].message).toBe('missing_column');
	});
});

async function rosterSurveyId(slug: string): Promise<number | undefined> {
	const [r] = rowsOf<{ id: number }>(
		await db.execute(sql`select id from surveys where slug = ${slug}`)
	);
	return r ? Number(r.id) : undefined;
}

describe('codes', () => {
	let codes: IssuedCode[];
	beforeAll(async () => {
		codes = await issueCodes(db, admin, DEPUTIES, { group: 'deputies' });
	});

	it('issues one code per entry without one, returned once and stored only as a keyed hash', async () => {
		expect(codes).toHaveLength(4);
		expect(new Set(codes.map((c) => c.code)).size).toBe(4);
		for (const c of codes) expect(c.code).toMatch(/^[2-9A-HJ-NP-Z]{10}$/);
		// A second run issues nothing: everyone has a code.
		expect(await issueCodes(db, admin, DEPUTIES, { group: 'deputies' })).toEqual([]);
		const dump = JSON.stringify(await dumpAllTables(db));
		for (const c of codes) expect(dump).not.toContain(c.code);
		const [{ n }] = rowsOf<{ n: number }>(
			await db.execute(
				sql`select count(*)::int as n from invitation_codes where survey_id = ${await rosterSurveyId(DEPUTIES)}`
			)
		);
		expect(Number(n)).toBe(4);
	});

	it('a code works once; the same code again is refused with 409', async () => {
		const first = await submit(DEPUTIES, codes[0].code);
		expect(first.httpStatus).toBe(201);
		const again = await refusal(submit(DEPUTIES, codes[0].code));
		expect([again.status, again.message]).toEqual([409, 'invitation_code_invalid_or_used']);
		expect(again.fields?.[0].path).toBe('invitationCode');
	});

	it('takes the subgroup from the code, not from what the respondent picked', async () => {
		const c = codes[1]; // 李芳, npc
		const r = await submitResponse(
			db,
			DEPUTIES,
			{
				submissionId: randomUUID(),
				startToken: 'paper',
				group: 'deputies',
				subgroup: 'party',
				invitationCode: c.code,
				ratings: satisfiedRatings()
			},
			{
				now: new Date(),
				clientAddress: '10.9.9.9',
				userAgent: null,
				deviceCookie: null,
				source: 'paper'
			}
		);
		const [row] = rowsOf<{ subgroup: string }>(
			await db.execute(sql`select subgroup from submissions where receipt = ${r.receipt}`)
		);
		expect(row.subgroup).toBe('npc');
	});

	it('forgives case, spaces, hyphens and full-width characters', async () => {
		const c = codes[2].code;
		const typed = ` ${c.slice(0, 5).toLowerCase()} - ${c
			.slice(5)
			.replace(/[A-Z0-9]/g, (ch) => String.fromCharCode(ch.charCodeAt(0) + 0xfee0))}\u3000`;
		expect((await submit(DEPUTIES, typed)).httpStatus).toBe(201);
	});

	it('refuses unknown, malformed, missing and another survey’s codes', async () => {
		const unknown = await refusal(submit(DEPUTIES, 'ABCDE-FGHJK'));
		expect(unknown.status).toBe(409);
		const malformed = await refusal(submit(DEPUTIES, 'O0I1-short'));
		expect([malformed.status, malformed.fields?.[0].path]).toEqual([400, 'invitationCode']);
		const missing = await refusal(submit(DEPUTIES, undefined));
		expect([missing.status, missing.message]).toEqual([400, 'invitation_required']);
		const [otherCode] = await addAndIssue(OTHER, [{ label: '外卷代表', subgroup: 'npc' }]);
		const wrongSurvey = await refusal(submit(DEPUTIES, otherCode.code));
		expect(wrongSurvey.status).toBe(409);
		// …and it still works where it belongs.
		expect((await submit(OTHER, otherCode.code)).httpStatus).toBe(201);
	});

	it('revokes a lost code and issues a new one; the old one is refused, a used one cannot be revoked', async () => {
		const c = codes[3];
		const [fresh] = await reissueCodes(db, admin, DEPUTIES, [c.entryId]);
		expect(fresh.code).not.toBe(c.code);
		expect((await refusal(submit(DEPUTIES, c.code))).status).toBe(409);
		expect((await submit(DEPUTIES, fresh.code)).httpStatus).toBe(201);
		const used = await refusal(reissueCodes(db, admin, DEPUTIES, [c.entryId]));
		expect(used).toBeInstanceOf(ConflictError);
		expect(used.message).toBe('roster_entry_answered');
		const [row] = (await rosterRows(DEPUTIES)).filter((r) => Number(r.id) === c.entryId);
		expect(Number(row.codes_revoked)).toBe(1);
	});

	it('counts issued and answered per subgroup from the codes’ absence', async () => {
		const stats = await rosterStats(db, (await rosterSurveyId(DEPUTIES))!);
		const by = Object.fromEntries(stats.map((s) => [s.subgroup, [s.total, s.issued, s.answered]]));
		expect(by).toEqual({ party: [1, 1, 1], npc: [1, 1, 1], cppcc: [2, 2, 2] });
	});

	it('removing a person takes their unused code with them; an answered person stays', async () => {
		const [c] = await addAndIssue(DEPUTIES, [{ label: '临时', subgroup: 'party' }]);
		await removeRosterEntry(db, admin, DEPUTIES, c.entryId);
		expect((await refusal(submit(DEPUTIES, c.code))).status).toBe(409);
		const e = await refusal(removeRosterEntry(db, admin, DEPUTIES, codes[0].entryId));
		expect(e.message).toBe('roster_entry_answered');
	});

	it('editing the subgroup moves the unused code; an answered person’s subgroup is fixed', async () => {
		const [c] = await addAndIssue(DEPUTIES, [{ label: '改类别', subgroup: 'party' }]);
		await updateRosterEntry(db, admin, DEPUTIES, c.entryId, { subgroup: '政协委员' });
		const r = await submit(DEPUTIES, c.code);
		const [row] = rowsOf<{ subgroup: string }>(
			await db.execute(sql`select subgroup from submissions where receipt = ${r.receipt}`)
		);
		expect(row.subgroup).toBe('cppcc');
		const e = await refusal(updateRosterEntry(db, admin, DEPUTIES, c.entryId, { subgroup: 'npc' }));
		expect(e.message).toBe('roster_entry_answered');
		const bad = await refusal(
			updateRosterEntry(db, admin, DEPUTIES, c.entryId, { phone: '12345' })
		);
		expect(bad.fields?.[0]).toEqual({ path: 'phone', message: 'invalid_phone' });
	});
});

async function addAndIssue(
	slug: string,
	rows: { label: string; subgroup?: string; phone?: string }[]
) {
	const added = await addRosterEntries(db, admin, slug, 'deputies', rows, { source: 'test' });
	return issueCodes(db, admin, slug, { group: 'deputies', entryIds: added.map((a) => a.id) });
}

describe('ballot-box separation: the database cannot link a submission to a roster entry', () => {
	const SLUG = `${P}-ballot`;
	let codes: IssuedCode[];
	// Answered over two days, in an order unrelated to the roster's.
	const day1 = new Date('2032-03-10T02:00:00Z'); // 10:00 in Shanghai
	beforeAll(async () => {
		const doc = invitationCycleDocument(`${P}b`, 2033);
		doc.surveys = [{ ...doc.surveys![0], slug: SLUG }];
		await importCycle(db, admin, cycleDocumentSchema.parse(doc));
		await publishSurvey(db, admin, SLUG);
		codes = await addAndIssue(
			SLUG,
			Array.from({ length: 12 }, (_, i) => ({
				label: `票箱${i}`,
				subgroup: ['party', 'npc', 'cppcc'][i % 3]
			}))
		);
	});

	it('has no column that could hold a code, a roster id or a phone in any answer table', async () => {
		const cols = rowsOf<{ table_name: string; column_name: string }>(
			await db.execute(sql`
				select table_name, column_name from information_schema.columns
				where table_schema = 'public' and table_name in ('submissions', 'ratings', 'comments', 'decisions')`)
		);
		const names = cols.map((c) => c.column_name);
		// Group and area codes are categories every respondent of the group shares, and the entry unit
		// is the unit of a poster's QR code: none of them names a person.
		expect(
			names.filter((n) => /code|roster|invit|entry|label|phone_cipher/.test(n)).sort()
		).toEqual(['area_code', 'entry_unit', 'group_code']);
		// And the roster's only answer-related column is a date.
		const types = rowsOf<{ column_name: string; data_type: string }>(
			await db.execute(sql`
				select column_name, data_type from information_schema.columns
				where table_schema = 'public' and table_name = 'roster_entries'`)
		);
		const t = Object.fromEntries(types.map((c) => [c.column_name, c.data_type]));
		expect(t.answered_on).toBe('date');
		expect(
			types
				.filter((c) => c.data_type.startsWith('timestamp'))
				.map((c) => c.column_name)
				.sort()
		).toEqual(['code_issued_at', 'created_at']);
	});

	it('submitting changes no roster row (same contents, same xmin), and stores nothing of the code', async () => {
		const before = await rosterRows(SLUG);
		const order = [7, 2, 11, 0, 5, 9, 3]; // not the roster's order
		for (const [k, i] of order.entries()) {
			const r = await submit(SLUG, codes[i].code, new Date(day1.getTime() + k * 60_000));
			expect(r.httpStatus).toBe(201);
		}
		const after = await rosterRows(SLUG);
		expect(after).toEqual(before);
		const subs = JSON.stringify(
			rowsOf(
				await db.execute(
					sql`select s.*, s.xmin::text from submissions s join surveys v on v.id = s.survey_id where v.slug = ${SLUG}`
				)
			)
		);
		for (const c of codes) expect(subs).not.toContain(c.code);
		const hashes = before.map((r) => r.code_hash as string);
		for (const h of hashes) expect(subs).not.toContain(h);
	});

	it('the daily batch stamps every answered entry in one transaction: one xmin, a date, no order', async () => {
		const subXmins = new Set(
			rowsOf<{ xmin: string }>(
				await db.execute(sql`select xmin::text as xmin from submissions`)
			).map((r) => r.xmin)
		);
		// Just after midnight in Shanghai: the previous day is stamped.
		const n = await stampAnsweredDays(db, new Date('2032-03-10T16:05:00Z'));
		expect(n).toBeGreaterThanOrEqual(7);
		const rows = await rosterRows(SLUG);
		const answered = rows.filter((r) => r.answered_on !== null);
		expect(answered.map((r) => r.label).sort()).toEqual(
			[7, 2, 11, 0, 5, 9, 3].map((i) => `票箱${i}`).sort()
		);
		expect(new Set(answered.map((r) => r.answered_on))).toEqual(new Set(['2032-03-10']));
		// All stamped rows share one transaction id, so their order says nothing about the answers' order…
		expect(new Set(answered.map((r) => r.xmin)).size).toBe(1);
		// …and no roster row carries the transaction id of any submission.
		for (const r of rows) expect(subXmins.has(r.xmin as string)).toBe(false);
		// Unanswered rows were not touched by the batch.
		expect(
			new Set(rows.filter((r) => r.answered_on === null).map((r) => r.xmin)).has(answered[0].xmin)
		).toBe(false);
	});

	it('runs at most once a day: a later answer waits for the next day’s batch', async () => {
		const later = new Date('2032-03-11T03:00:00Z');
		expect((await submit(SLUG, codes[4].code, later)).httpStatus).toBe(201);
		expect(await stampAnsweredDays(db, new Date('2032-03-11T09:00:00Z'))).toBeNull();
		let row = (await rosterRows(SLUG)).find((r) => r.label === '票箱4')!;
		expect(row.answered_on).toBeNull();
		expect(await stampAnsweredDays(db, new Date('2032-03-11T16:10:00Z'))).toBeGreaterThanOrEqual(1);
		row = (await rosterRows(SLUG)).find((r) => r.label === '票箱4')!;
		expect(row.answered_on).toBe('2032-03-11');
	});
});

describe('reminders', () => {
	const SLUG = `${P}-remind`;
	let codes: IssuedCode[];
	beforeAll(async () => {
		const doc = invitationCycleDocument(`${P}r`, 2034);
		doc.surveys = [{ ...doc.surveys![0], slug: SLUG }];
		await importCycle(db, admin, cycleDocumentSchema.parse(doc));
		await publishSurvey(db, admin, SLUG);
		const rows = sampleRoster(6);
		rows[5].phone = undefined as unknown as string;
		codes = await addAndIssue(
			SLUG,
			rows.map((r) => ({ ...r, phone: r.phone || undefined }))
		);
		await submit(SLUG, codes[0].code);
	});

	it('reminds those who have not answered and have a phone, at most once a day, and logs it', async () => {
		const now = new Date();
		const r = await sendReminders(db, admin, SLUG, {}, 'https://pingyi.example', now);
		expect(r).toEqual({ sent: 4, failed: 0, noPhone: 1, alreadyToday: 0 });
		const again = await sendReminders(db, admin, SLUG, {}, 'https://pingyi.example', now);
		expect(again).toEqual({ sent: 0, failed: 0, noPhone: 1, alreadyToday: 4 });
		const log = rowsOf<{ kind: string; recipients: number; detail: string }>(
			await db.execute(
				sql`select d.kind, d.recipients, d.detail from delivery_log d join surveys s on s.id = d.survey_id where s.slug = ${SLUG} order by d.id`
			)
		);
		expect(log.map((l) => [l.kind, Number(l.recipients)])).toEqual([
			['reminder', 4],
			['reminder', 0]
		]);
		const audit = rowsOf<{ n: number }>(
			await db.execute(
				sql`select count(*)::int as n from audit_log where action = 'invitation.remind' and target_id = ${SLUG}`
			)
		);
		expect(Number(audit[0].n)).toBe(2);
		const dump = JSON.stringify(await dumpAllTables(db));
		expect(dump).not.toContain('13900001001');
		const stats = await rosterStats(db, (await rosterSurveyId(SLUG))!);
		expect(stats.reduce((a, s) => a + s.reminders, 0)).toBe(4);
	});

	it('with re-issue, the next day, revokes the old codes and the new ones work', async () => {
		const tomorrow = new Date(Date.now() + 86_400_000);
		const r = await sendReminders(db, admin, SLUG, { reissue: true }, 'https://x', tomorrow);
		expect(r.sent).toBe(4);
		expect((await refusal(submit(SLUG, codes[1].code))).status).toBe(409);
	});
});

describe('brute force', () => {
	it('refuses a client after too many wrong codes, and the whole survey after many more, with an audit alert', async () => {
		const slug = OTHER;
		const address = '10.200.0.1';
		// One instant for the whole test: the limits count in fixed 15-minute windows.
		const at = new Date();
		for (let i = 0; i < CLIENT_LIMIT; i++) {
			expect((await refusal(submit(slug, 'ABCDE-FGHJK', at, address))).status).toBe(409);
		}
		const limited = await refusal(submit(slug, 'ABCDE-FGHJK', at, address));
		expect(limited).toBeInstanceOf(TooManyRequestsError);
		expect(limited.retryAfter).toBeGreaterThan(0);
		// Spread over many addresses, the survey-wide limit trips and the office is alerted.
		for (let i = CLIENT_LIMIT; i < SURVEY_LIMIT; i++) {
			await submit(slug, 'ABCDE-FGHJK', at, `10.201.${Math.floor(i / 200)}.${i % 200}`).catch(
				() => undefined
			);
		}
		const all = await refusal(submit(slug, 'ABCDE-FGHJK', at, '10.202.0.1'));
		expect(all.status).toBe(429);
		const audit = rowsOf<{ n: number }>(
			await db.execute(
				sql`select count(*)::int as n from audit_log where action = 'invitation.brute_force_suspected'`
			)
		);
		expect(Number(audit[0].n)).toBe(1);
	});
});
