import { randomUUID } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiClient, apiToken, startTestServer, type TestServer } from '../helpers/app-server';
import { fetchStart, type Start } from '../helpers/respondent';
import { invitationCycleDocument, sampleRoster, satisfiedRatings } from '../fixtures/invitations';

const P = 'invapi';
const DEPUTIES = `${P}-deputies`;
const OTHER = `${P}-other`;
const PHONE = `${P}-phone`;

/** Every SMS the app hands to its HTTP gateway (SMS_PROVIDER=http), as the gateway receives it. */
interface Sms {
	to: string;
	text: string;
	ref: string;
	auth: string | undefined;
}
const outbox: Sms[] = [];
let gateway: http.Server;

let server: TestServer;
let admin: ReturnType<typeof apiClient>;
let pub: ReturnType<typeof apiClient>;
const pools = new Map<string, Start[]>();
let clientSeq = 0;
/** A fresh client address per request (the server reads it from X-Test-Client), unless given. */
const client = (address?: string) => ({
	'x-test-client': address ?? `10.50.${++clientSeq >> 8}.${clientSeq & 255}`
});

function start(slug: string): Start {
	const s = pools.get(slug)?.shift();
	if (!s) throw new Error(`start pool of ${slug} exhausted`);
	return s;
}

function deputyBody(code: string | undefined, extra: Record<string, unknown> = {}) {
	return {
		submissionId: randomUUID(),
		startToken: start(DEPUTIES).token,
		group: 'deputies',
		...(code === undefined ? {} : { invitationCode: code }),
		ratings: satisfiedRatings(),
		...extra
	};
}

const submitTo = (slug: string, body: unknown, address?: string) =>
	pub('POST', `/api/v1/public/surveys/${slug}/responses`, body, client(address));

async function storedCount(slug: string): Promise<number> {
	const r = await admin('GET', `/api/v1/surveys/${slug}/responses?limit=1000`);
	expect(r.status).toBe(200);
	return (r.json.items as unknown[]).length;
}

interface IssuedJson {
	entryId: number;
	label: string;
	subgroup: string | null;
	code: string;
	link: string;
}

beforeAll(async () => {
	gateway = http.createServer((req, res) => {
		let body = '';
		req.on('data', (d) => (body += d));
		req.on('end', () => {
			outbox.push({ ...JSON.parse(body), auth: req.headers.authorization });
			res.writeHead(200, { 'content-type': 'application/json' });
			res.end('{"ok":true}');
		});
	});
	await new Promise<void>((r) => gateway.listen(0, '127.0.0.1', r));
	const port = (gateway.address() as AddressInfo).port;
	server = await startTestServer({
		ADDRESS_HEADER: 'x-test-client',
		SMS_PROVIDER: 'http',
		SMS_HTTP_URL: `http://127.0.0.1:${port}/sms`,
		SMS_HTTP_TOKEN: 'gateway-secret'
	});
	admin = apiClient(server, await apiToken(server));
	pub = apiClient(server);
	expect((await admin('POST', '/api/v1/cycles/import', invitationCycleDocument(P))).status).toBe(
		201
	);
	for (const slug of [DEPUTIES, OTHER, PHONE]) {
		expect((await admin('POST', `/api/v1/surveys/${slug}/publish`)).status).toBe(200);
	}
	// Start tokens must be 8 s old before use: fetch them all now, wait once.
	for (const [slug, n] of [
		[DEPUTIES, 70],
		[OTHER, 4],
		[PHONE, 12]
	] as const) {
		const list: Start[] = [];
		for (let i = 0; i < n; i++) list.push(await fetchStart(server, slug));
		pools.set(slug, list);
	}
	await new Promise((r) => setTimeout(r, 8_300));
}, 180_000);

afterAll(async () => {
	await server?.stop();
	await new Promise((r) => gateway?.close(r));
});

describe('issuing codes over the API', () => {
	let issued: IssuedJson[];

	it('adds a roster and returns each code once, with its personal link', async () => {
		const r = await admin('POST', `/api/v1/surveys/${DEPUTIES}/invitations`, {
			group: 'deputies',
			roster: sampleRoster(6)
		});
		expect(r.status).toBe(201);
		expect(r.headers.get('cache-control')).toContain('no-store');
		issued = r.json.codes as IssuedJson[];
		expect(issued).toHaveLength(6);
		expect(issued.map((c) => c.subgroup)).toEqual([
			'party',
			'npc',
			'cppcc',
			'party',
			'npc',
			'cppcc'
		]);
		for (const c of issued) {
			expect(c.code).toMatch(/^[2-9A-HJ-NP-Z]{5}-[2-9A-HJ-NP-Z]{5}$/);
			expect(c.link).toBe(`${server.url}/s/${DEPUTIES}?k=${c.code.replace('-', '')}`);
		}
		const list = await admin('GET', `/api/v1/surveys/${DEPUTIES}/invitations`);
		expect(list.status).toBe(200);
		const items = list.json.items as { codeIssued: boolean; hasPhone: boolean }[];
		expect(items.every((i) => i.codeIssued && i.hasPhone)).toBe(true);
		expect(list.text).not.toMatch(/1390000\d{4}/);
		expect(list.text).not.toContain(issued[0].code);
	});

	it('refuses a roster with duplicates and bad phones, listing each row, and adds nobody', async () => {
		const before = (
			(await admin('GET', `/api/v1/surveys/${DEPUTIES}/invitations`)).json.items as unknown[]
		).length;
		const r = await admin('POST', `/api/v1/surveys/${DEPUTIES}/invitations`, {
			group: 'deputies',
			roster: [
				{ label: '新人甲', subgroup: 'npc', phone: '13911112222' },
				{ label: '新人乙', subgroup: 'npc', phone: '13911112222' },
				{ label: '新人丙', subgroup: 'npc', phone: '2391111222' },
				{ label: '代表1', subgroup: 'party', organisation: '单位1' },
				{ label: '新人丁' }
			]
		});
		expect(r.status).toBe(400);
		const errors = (r.json.errors as { path: string; message: string }[]).map(
			(e) => `${e.path}:${e.message.split(':')[0]}`
		);
		expect(errors).toEqual([
			'roster.1.phone:duplicate_phone_in_file',
			'roster.2.phone:invalid_phone',
			'roster.3.label:duplicate_person_on_roster',
			'roster.4.subgroup:subgroup_required'
		]);
		const after = (
			(await admin('GET', `/api/v1/surveys/${DEPUTIES}/invitations`)).json.items as unknown[]
		).length;
		expect(after).toBe(before);
	});

	it('issues nameless codes by count, and refuses a body with neither roster nor count', async () => {
		const r = await admin('POST', `/api/v1/surveys/${DEPUTIES}/invitations`, {
			group: 'deputies',
			subgroup: 'npc',
			count: 3
		});
		expect(r.status).toBe(201);
		expect((r.json.codes as IssuedJson[]).map((c) => c.label)).toEqual(['#0001', '#0002', '#0003']);
		const none = await admin('POST', `/api/v1/surveys/${DEPUTIES}/invitations`, {
			group: 'deputies'
		});
		expect(none.status).toBe(400);
		const notInvitation = await admin('POST', `/api/v1/surveys/${PHONE}/invitations`, {
			group: 'residents',
			count: 1
		});
		expect(notInvitation.status).toBe(400);
		expect((notInvitation.json.errors as { path: string }[])[0].path).toBe('group');
	});

	it('only an admin issues codes; a viewer may read the rates', async () => {
		const email = `viewer-${randomUUID().slice(0, 8)}@test.local`;
		const made = await admin('POST', '/api/v1/users', {
			email,
			name: '观察员',
			role: 'viewer',
			password: 'viewer-password-123'
		});
		expect(made.status).toBe(201);
		const viewer = apiClient(server, await apiToken(server, email, 'viewer-password-123'));
		expect(
			(
				await viewer('POST', `/api/v1/surveys/${DEPUTIES}/invitations`, {
					group: 'deputies',
					count: 1
				})
			).status
		).toBe(403);
		expect(
			(await viewer('POST', `/api/v1/surveys/${DEPUTIES}/invitations/reminders`, {})).status
		).toBe(403);
		expect((await viewer('GET', `/api/v1/surveys/${DEPUTIES}/invitations/stats`)).status).toBe(200);
		expect((await pub('GET', `/api/v1/surveys/${DEPUTIES}/invitations/stats`)).status).toBe(401);
	});

	describe('using codes', () => {
		it('one code, 20 parallel submissions: exactly one stored, 19 × 409', async () => {
			const before = await storedCount(DEPUTIES);
			const results = await Promise.all(
				Array.from({ length: 20 }, () => submitTo(DEPUTIES, deputyBody(issued[0].code)))
			);
			const statuses = results.map((r) => r.status).sort();
			expect(statuses.filter((s) => s === 201)).toHaveLength(1);
			expect(statuses.filter((s) => s === 409)).toHaveLength(19);
			for (const r of results.filter((x) => x.status === 409)) {
				expect(r.json.detail).toBe('invitation_code_invalid_or_used');
				expect((r.json.errors as { path: string }[])[0].path).toBe('invitationCode');
			}
			expect(await storedCount(DEPUTIES)).toBe(before + 1);
		});

		it('the same code again is refused', async () => {
			const r = await submitTo(DEPUTIES, deputyBody(issued[0].code));
			expect(r.status).toBe(409);
		});

		it('an unknown code, a malformed one and none at all are refused, nothing stored', async () => {
			const before = await storedCount(DEPUTIES);
			expect((await submitTo(DEPUTIES, deputyBody('ABCDE-FGHJK'))).status).toBe(409);
			const malformed = await submitTo(DEPUTIES, deputyBody('10OI-XX'));
			expect(malformed.status).toBe(400);
			expect((malformed.json.errors as { path: string }[])[0].path).toBe('invitationCode');
			const missing = await submitTo(DEPUTIES, deputyBody(undefined));
			expect([missing.status, missing.json.detail]).toEqual([400, 'invitation_required']);
			expect(await storedCount(DEPUTIES)).toBe(before);
		});

		it('a mistyped code is forgiven: lower case, spaces and full-width characters', async () => {
			const c = issued[1].code;
			const fullWidth = c.replace(/[A-Z0-9]/g, (ch) =>
				String.fromCharCode(ch.charCodeAt(0) + 0xfee0)
			);
			const typed = ` ${fullWidth.slice(0, 6).toLowerCase()} ${fullWidth.slice(6)} `;
			expect((await submitTo(DEPUTIES, deputyBody(typed))).status).toBe(201);
		});

		it('another survey’s code is refused', async () => {
			const other = await admin('POST', `/api/v1/surveys/${OTHER}/invitations`, {
				group: 'deputies',
				roster: [{ label: '别卷', subgroup: 'npc' }]
			});
			expect(other.status).toBe(201);
			const code = (other.json.codes as IssuedJson[])[0].code;
			expect((await submitTo(DEPUTIES, deputyBody(code))).status).toBe(409);
		});

		it('a revoked code is refused and its replacement works; a used code cannot be revoked', async () => {
			const entry = issued[2];
			const r = await admin(
				'POST',
				`/api/v1/surveys/${DEPUTIES}/invitations/${entry.entryId}/reissue`
			);
			expect(r.status).toBe(200);
			expect(r.json.code).not.toBe(entry.code);
			expect((await submitTo(DEPUTIES, deputyBody(entry.code))).status).toBe(409);
			expect((await submitTo(DEPUTIES, deputyBody(String(r.json.code)))).status).toBe(201);
			const again = await admin(
				'POST',
				`/api/v1/surveys/${DEPUTIES}/invitations/${entry.entryId}/reissue`
			);
			expect([again.status, again.json.detail]).toEqual([409, 'roster_entry_answered']);
			expect(
				(await admin('POST', `/api/v1/surveys/${DEPUTIES}/invitations/999999/reissue`)).status
			).toBe(404);
			expect(
				(await admin('POST', `/api/v1/surveys/${DEPUTIES}/invitations/abc/reissue`)).status
			).toBe(404);
		});

		it('brute force: after 10 wrong codes from one client, 429 with Retry-After', async () => {
			const address = '10.99.0.1';
			for (let i = 0; i < 10; i++) {
				expect((await submitTo(DEPUTIES, deputyBody('ABCDE-FGHJK'), address)).status).toBe(409);
			}
			const r = await submitTo(DEPUTIES, deputyBody(issued[3].code), address);
			expect(r.status).toBe(429);
			expect(Number(r.headers.get('retry-after'))).toBeGreaterThan(0);
			// The same good code from another client still works.
			expect((await submitTo(DEPUTIES, deputyBody(issued[3].code))).status).toBe(201);
		});

		it('the rates count issued and answered per subgroup', async () => {
			const r = await admin('GET', `/api/v1/surveys/${DEPUTIES}/invitations/stats`);
			expect(r.status).toBe(200);
			const g = (
				r.json.groups as {
					group: string;
					issued: number;
					answered: number;
					subgroups: { subgroup: string; issued: number; answered: number }[];
				}[]
			)[0];
			expect(g.group).toBe('deputies');
			expect([g.issued, g.answered]).toEqual([9, 4]);
			const by = Object.fromEntries(g.subgroups.map((s) => [s.subgroup, [s.issued, s.answered]]));
			expect(by).toEqual({ party: [2, 2], npc: [5, 1], cppcc: [2, 1] });
		});
	});

	it('reminds those with a phone who have not answered, once a day, through the gateway', async () => {
		outbox.length = 0;
		const r = await admin('POST', `/api/v1/surveys/${DEPUTIES}/invitations/reminders`, {});
		expect(r.status).toBe(200);
		// Six people with phones, four of them answered: the other two are reminded.
		expect(r.json).toEqual({ sent: 2, failed: 0, noPhone: 3, alreadyToday: 0 });
		expect(outbox).toHaveLength(2);
		for (const m of outbox) {
			expect(m.auth).toBe('Bearer gateway-secret');
			expect(m.to).toMatch(/^1390000\d{4}$/);
			expect(m.text).toContain(`${server.url}/s/${DEPUTIES}`);
			expect(m.text).not.toContain('?k=');
			expect(m.ref).toMatch(/^roster:\d+$/);
		}
		const again = await admin('POST', `/api/v1/surveys/${DEPUTIES}/invitations/reminders`, {});
		expect(again.json).toEqual({ sent: 0, failed: 0, noPhone: 3, alreadyToday: 2 });
		expect(outbox).toHaveLength(2);
		expect(server.output()).not.toMatch(/1390000\d{4}/);
	});
});

describe('phone verification', () => {
	const ask = (phone: unknown, address?: string, slug = PHONE) =>
		pub('POST', `/api/v1/public/surveys/${slug}/phone-verification`, { phone }, client(address));
	const lastCode = () => /(\d{6})/.exec(outbox[outbox.length - 1]?.text ?? '')?.[1] ?? '';
	const phoneBody = (phone: string, code: string | undefined) => ({
		submissionId: randomUUID(),
		startToken: start(PHONE).token,
		group: 'residents',
		ratings: satisfiedRatings(),
		...(code === undefined ? {} : { phoneVerification: { phone, code } })
	});

	it('is offered only where a group requires it, and checks the number', async () => {
		expect((await ask('13700000001', undefined, DEPUTIES)).status).toBe(404);
		const bad = await ask('12345');
		expect(bad.status).toBe(400);
		expect((bad.json.errors as { path: string; message: string }[])[0]).toEqual({
			path: 'phone',
			message: 'invalid_phone'
		});
		expect((await ask(undefined)).status).toBe(400);
	});

	it('sends a 6-digit code; the verified phone answers once, a second answer is marked a duplicate', async () => {
		outbox.length = 0;
		const r = await ask('137 0000 0001');
		expect(r.status).toBe(202);
		expect(outbox).toHaveLength(1);
		expect(outbox[0].to).toBe('13700000001');
		expect(outbox[0].ref).toMatch(/^verification:\d+$/);
		const code = lastCode();
		expect(code).toMatch(/^\d{6}$/);

		const without = await submitTo(PHONE, phoneBody('13700000001', undefined));
		expect([without.status, (without.json.errors as { path: string }[])[0].path]).toEqual([
			400,
			'phoneVerification.phone'
		]);
		const wrong = await submitTo(
			PHONE,
			phoneBody('13700000001', code === '000000' ? '111111' : '000000')
		);
		expect([wrong.status, (wrong.json.errors as { path: string; message: string }[])[0]]).toEqual([
			400,
			{ path: 'phoneVerification.code', message: 'sms_code_wrong' }
		]);
		const first = await submitTo(PHONE, phoneBody('+86 13700000001', code));
		expect(first.status).toBe(201);
		// Verified a moment ago: the same pair still works (e.g. after a refused submission)…
		const second = await submitTo(PHONE, phoneBody('13700000001', code));
		expect(second.status).toBe(201);
		// …but the second answer from that phone is kept for review, not counted like the first.
		const list = await admin('GET', `/api/v1/surveys/${PHONE}/responses?limit=100`);
		const items = list.json.items as { receipt: string; reasons: string[] }[];
		const a = items.find((i) => i.receipt === first.json.receipt)!;
		const b = items.find((i) => i.receipt === second.json.receipt)!;
		expect(a.reasons).not.toContain('identity.phone_duplicate');
		expect(b.reasons).toContain('identity.phone_duplicate');
		expect(server.output()).not.toContain('13700000001');
	});

	it('allows 5 tries per code, then asks for a new one', async () => {
		expect((await ask('13700000002')).status).toBe(202);
		const code = lastCode();
		const wrong = code === '000000' ? '111111' : '000000';
		for (let i = 0; i < 5; i++) {
			const r = await submitTo(PHONE, phoneBody('13700000002', wrong));
			expect((r.json.errors as { message: string }[])[0].message).toBe('sms_code_wrong');
		}
		const r = await submitTo(PHONE, phoneBody('13700000002', code));
		expect([r.status, (r.json.errors as { message: string }[])[0].message]).toEqual([
			400,
			'sms_code_too_many_attempts'
		]);
	});

	it('an SMS flood is refused with 429: the same phone within a minute, and many numbers from one network', async () => {
		expect((await ask('13700000003', '10.77.0.1')).status).toBe(202);
		const again = await ask('13700000003', '10.77.0.2');
		expect(again.status).toBe(429);
		expect(Number(again.headers.get('retry-after'))).toBeGreaterThan(0);
		const statuses: number[] = [];
		for (let i = 0; i < 31; i++) {
			statuses.push((await ask(`1360000${String(1000 + i)}`, '10.78.0.9')).status);
		}
		expect(statuses.slice(0, 30).every((s) => s === 202)).toBe(true);
		expect(statuses[30]).toBe(429);
	});

	it('the survey page sends the code without JavaScript and keeps the answers', async () => {
		const form = new URLSearchParams({
			submissionId: randomUUID(),
			startToken: start(PHONE).token,
			group: 'residents',
			'r.U1': 'satisfied',
			phone: '13700000004',
			intent: 'send_phone_code'
		});
		const r = await fetch(`${server.url}/s/${PHONE}`, {
			method: 'POST',
			headers: {
				'content-type': 'application/x-www-form-urlencoded',
				accept: 'text/html',
				origin: server.url,
				'x-test-client': '10.79.0.1'
			},
			body: form
		});
		expect(r.status).toBe(200);
		const html = await r.text();
		expect(html).toContain('验证码已发送');
		expect(html).toMatch(
			/name="r\.U1"[^>]*value="satisfied"[^>]*checked|value="satisfied"[^>]*checked[^>]*name="r\.U1"/
		);
		expect(outbox[outbox.length - 1].to).toBe('13700000004');
	});
});
