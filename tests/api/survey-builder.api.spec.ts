import { inflateSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiClient, apiToken, startTestServer, type TestServer } from '../helpers/app-server';
import { sampleCycleDocument } from '../fixtures/cycle';

let server: TestServer;
let admin: ReturnType<typeof apiClient>;
let viewer: ReturnType<typeof apiClient>;
let reviewer: ReturnType<typeof apiClient>;
const tokens: Record<string, string> = {};
let cycleId = 0;

const slug = 'builder-residents-2025';
/** A full SurveyInput as an integrator would PATCH it. */
const draft = {
	slug,
	title: '群众满意度测评',
	description: '匿名，约需两分钟。',
	groups: ['residents', 'service_recipients'],
	units: ['TW01', 'D01'],
	scale: 'ceping4',
	questions: [
		{
			id: 'age',
			type: 'single',
			text: '您的年龄段',
			required: false,
			options: [
				{ code: 'young', label: '35岁以下' },
				{ code: 'old', label: '35岁及以上' }
			]
		},
		{
			id: 'check',
			type: 'instructed',
			text: '本题请选择“基本满意”',
			required: true,
			options: [
				{ code: 'a', label: '满意' },
				{ code: 'b', label: '基本满意' }
			],
			expected: 'b'
		}
	],
	access: 'public',
	askArea: true,
	askServiceUse: true,
	unitComments: true,
	generalComment: false,
	opensAt: '2025-10-01T00:00:00.000Z',
	closesAt: '2030-11-30T16:00:00.000Z'
};

/** A form action posted the way the enhanced console posts it, with a bearer token. */
async function action(
	path: string,
	fields: [string, string][],
	token = tokens.admin
): Promise<{ type: string; status?: number; location?: string; data?: string }> {
	const r = await fetch(server.url + path, {
		method: 'POST',
		headers: {
			authorization: `Bearer ${token}`,
			origin: server.url,
			accept: 'application/json',
			'x-sveltekit-action': 'true',
			'content-type': 'application/x-www-form-urlencoded'
		},
		body: new URLSearchParams(fields).toString(),
		redirect: 'manual'
	});
	if (r.status !== 200) return { type: 'http', status: r.status };
	return (await r.json()) as { type: string; status?: number; location?: string; data?: string };
}

async function get(path: string, token?: string) {
	return fetch(server.url + path, {
		headers: { accept: 'text/html', ...(token ? { authorization: `Bearer ${token}` } : {}) },
		redirect: 'manual'
	});
}

interface Listed {
	slug: string;
	title: string;
	status: string;
}

/** The survey `slug` as the cycle's survey list reports it. */
async function listed(): Promise<Listed | undefined> {
	const r = await admin('GET', `/api/v1/cycles/${cycleId}/surveys`);
	return (r.json.items as Listed[]).find((s) => s.slug === slug);
}

beforeAll(async () => {
	server = await startTestServer({ LOGIN_MAX_ATTEMPTS: '100' });
	tokens.admin = await apiToken(server);
	admin = apiClient(server, tokens.admin);
	const doc = sampleCycleDocument(2025, 'builder-fixture');
	const imported = await admin('POST', '/api/v1/cycles/import', doc);
	expect(imported.status, imported.text).toBe(201);
	cycleId = Number(imported.json.cycleId);
	for (const role of ['viewer', 'reviewer'] as const) {
		const email = `${role}@builder.test`;
		const password = `${role}-password-1`;
		const r = await admin('POST', '/api/v1/users', { email, name: role, role, password });
		expect(r.status, r.text).toBe(201);
		tokens[role] = await apiToken(server, email, password);
	}
	viewer = apiClient(server, tokens.viewer);
	reviewer = apiClient(server, tokens.reviewer);
});
afterAll(async () => {
	await server?.stop();
});

describe('survey builder API', () => {
	it('creates, edits, publishes, allows only text edits, then closes a survey', async () => {
		const created = await admin('POST', `/api/v1/cycles/${cycleId}/surveys`, {
			slug,
			title: '草稿',
			groups: ['residents']
		});
		expect(created.status, created.text).toBe(201);
		expect(created.json.status).toBe('draft');

		const patched = await admin('PATCH', `/api/v1/surveys/${slug}`, draft);
		expect(patched.status, patched.text).toBe(200);
		expect(patched.json).toMatchObject({
			slug,
			status: 'draft',
			title: '群众满意度测评',
			units: ['TW01', 'D01'],
			generalComment: false
		});
		expect((patched.json.questions as unknown[]).length).toBe(2);

		// The slug in the body may be left out: it is the one in the path.
		const { slug: _omit, ...withoutSlug } = draft;
		void _omit;
		const again = await admin('PATCH', `/api/v1/surveys/${slug}`, {
			...withoutSlug,
			scale: 'haoping5'
		});
		expect(again.status, again.text).toBe(200);
		expect(again.json.scale).toBe('haoping5');

		const published = await admin('POST', `/api/v1/surveys/${slug}/publish`);
		expect(published.status, published.text).toBe(200);
		expect(published.json.status).toBe('published');
		expect((await admin('POST', `/api/v1/surveys/${slug}/publish`)).status).toBe(409);

		// Structural changes after publication are refused, each kind of them.
		for (const change of [
			{ units: 'all' },
			{ scale: 'ceping4' },
			{ groups: ['residents'] },
			{ questions: draft.questions.slice(1) },
			{ questions: [{ ...draft.questions[0], type: 'multiple' }, draft.questions[1]] },
			{ unitComments: false }
		]) {
			const r = await admin('PATCH', `/api/v1/surveys/${slug}`, {
				...draft,
				scale: 'haoping5',
				...change
			});
			expect(r.status, JSON.stringify(change)).toBe(409);
			expect(r.headers.get('content-type')).toContain('application/problem+json');
			expect(r.json.detail).toBe('survey_published_only_texts');
		}

		// Texts may change (and the service logs each such edit).
		const texts = await admin('PATCH', `/api/v1/surveys/${slug}`, {
			...draft,
			scale: 'haoping5',
			title: '群众满意度测评（修订）',
			description: '新的说明',
			questions: [
				{
					...draft.questions[0],
					text: '请问您的年龄段',
					options: [
						{ code: 'young', label: '35 岁以下' },
						{ code: 'old', label: '35 岁及以上' }
					]
				},
				draft.questions[1]
			],
			closesAt: '2030-12-31T16:00:00.000Z'
		});
		expect(texts.status, texts.text).toBe(200);
		expect(texts.json).toMatchObject({
			status: 'published',
			title: '群众满意度测评（修订）',
			closesAt: '2030-12-31T16:00:00.000Z'
		});
		expect((await listed())?.title).toBe('群众满意度测评（修订）');

		const closed = await admin('POST', `/api/v1/surveys/${slug}/close`);
		expect(closed.status, closed.text).toBe(200);
		expect(closed.json.status).toBe('closed');
		expect((await admin('POST', `/api/v1/surveys/${slug}/close`)).status).toBe(409);
		const late = await admin('PATCH', `/api/v1/surveys/${slug}`, { ...draft, scale: 'haoping5' });
		expect(late.status).toBe(409);
		expect(late.json.detail).toBe('survey_closed');
	});

	it('answers 400 with every bad field named, and changes nothing', async () => {
		const s = 'builder-invalid';
		expect(
			(
				await admin('POST', `/api/v1/cycles/${cycleId}/surveys`, {
					slug: s,
					title: '校验',
					groups: ['residents']
				})
			).status
		).toBe(201);
		const bad = await admin('PATCH', `/api/v1/surveys/${s}`, {
			title: '',
			groups: [],
			scale: 'ten-levels',
			questions: [
				{ id: 'q1', type: 'instructed', text: '请选“是”', options: [{ code: 'y', label: '是' }] },
				{ id: 'q1', type: 'text', text: '' }
			],
			opensAt: '2025-12-01T00:00:00Z',
			closesAt: '2025-11-01T00:00:00Z'
		});
		expect(bad.status, bad.text).toBe(400);
		expect(bad.headers.get('content-type')).toContain('application/problem+json');
		const paths = (bad.json.errors as { path: string; message: string }[]).map((e) => e.path);
		for (const p of [
			'title',
			'groups',
			'scale',
			'questions.0.options',
			'questions.0.expected',
			'questions.1.text'
		]) {
			expect(paths, p).toContain(p);
		}

		// Names that the cycle does not have.
		const unknown = await admin('PATCH', `/api/v1/surveys/${s}`, {
			title: '校验',
			groups: ['residents', 'martians'],
			units: ['TW01', 'NOPE']
		});
		expect(unknown.status, unknown.text).toBe(400);
		expect(unknown.json.errors).toEqual([
			{ path: 'groups.1', message: 'unknown_group' },
			{ path: 'units.1', message: 'unknown_unit' }
		]);
		const unknownCategory = await admin('PATCH', `/api/v1/surveys/${s}`, {
			title: '校验',
			groups: ['residents'],
			units: { categories: ['township', 'ghost'] }
		});
		expect(unknownCategory.status).toBe(400);
		expect(unknownCategory.json.errors).toEqual([
			{ path: 'units.categories.1', message: 'unknown_category' }
		]);

		const renamed = await admin('PATCH', `/api/v1/surveys/${s}`, {
			slug: 'another-slug',
			title: '校验',
			groups: ['residents']
		});
		expect(renamed.status).toBe(400);
		expect(renamed.json.errors).toEqual([{ path: 'slug', message: 'slug_immutable' }]);

		expect((await admin('PATCH', `/api/v1/surveys/${s}`, '{"title":')).status).toBe(400);
		expect((await admin('PATCH', `/api/v1/surveys/${s}`, '[]')).status).toBe(400);
		const wrongType = await admin('PATCH', `/api/v1/surveys/${s}`, 'title=x', {
			'content-type': 'application/x-www-form-urlencoded'
		});
		expect([403, 415]).toContain(wrongType.status);
		const { slug: _s, ...body } = draft;
		void _s;
		expect((await admin('PATCH', '/api/v1/surveys/no-such-survey', body)).status).toBe(404);
		expect((await admin('POST', '/api/v1/surveys/no-such-survey/publish')).status).toBe(404);
		expect((await admin('POST', '/api/v1/surveys/no-such-survey/close')).status).toBe(404);

		// Publishing a survey that rates no unit is refused with the field named.
		const empty = await admin('POST', `/api/v1/cycles/${cycleId}/categories`, {
			code: 'empty',
			name: '空类别',
			weights: { residents: 1 }
		});
		expect(empty.status, empty.text).toBe(201);
		const noUnits = await admin('PATCH', `/api/v1/surveys/${s}`, {
			title: '校验',
			groups: ['residents'],
			units: { categories: ['empty'] }
		});
		expect(noUnits.status, noUnits.text).toBe(200);
		const refused = await admin('POST', `/api/v1/surveys/${s}/publish`);
		expect(refused.status).toBe(400);
		expect(refused.json.errors).toEqual([{ path: 'units', message: 'survey_has_no_units' }]);
		const still = (
			(await admin('GET', `/api/v1/cycles/${cycleId}/surveys`)).json.items as {
				slug: string;
				title: string;
				status: string;
			}[]
		).find((x) => x.slug === s);
		expect(still).toMatchObject({ title: '校验', status: 'draft' });
	});

	it('refuses writes to viewers and reviewers (403) and to anonymous callers (401)', async () => {
		const s = 'builder-roles';
		await admin('POST', `/api/v1/cycles/${cycleId}/surveys`, {
			slug: s,
			title: '权限',
			groups: ['residents']
		});
		for (const who of [viewer, reviewer]) {
			expect((await who('PATCH', `/api/v1/surveys/${s}`, draft)).status).toBe(403);
			expect((await who('POST', `/api/v1/surveys/${s}/publish`)).status).toBe(403);
			expect((await who('POST', `/api/v1/surveys/${s}/close`)).status).toBe(403);
			expect((await who('GET', `/api/v1/cycles/${cycleId}/surveys`)).status).toBe(200);
		}
		const anonymous = apiClient(server);
		expect((await anonymous('PATCH', `/api/v1/surveys/${s}`, draft)).status).toBe(401);
		expect((await anonymous('POST', `/api/v1/surveys/${s}/publish`)).status).toBe(401);
		const after = (
			(await admin('GET', `/api/v1/cycles/${cycleId}/surveys`)).json.items as {
				slug: string;
				status: string;
			}[]
		).find((x) => x.slug === s);
		expect(after?.status).toBe('draft');
	});
});

describe('survey builder pages and actions', () => {
	it('creates a survey from the list page and redirects to its editor', async () => {
		const bad = await action(`/admin/cycles/${cycleId}/surveys?/create`, [
			['slug', 'Bad Slug'],
			['title', ''],
			['groups', 'residents']
		]);
		expect(bad).toMatchObject({ type: 'failure', status: 400 });
		const r = await action(`/admin/cycles/${cycleId}/surveys?/create`, [
			['slug', 'form-survey'],
			['title', '表单问卷'],
			['groups', 'residents'],
			['groups', 'deputies']
		]);
		expect(r).toMatchObject({
			type: 'redirect',
			location: `/admin/cycles/${cycleId}/surveys/form-survey`
		});
		const dup = await action(`/admin/cycles/${cycleId}/surveys?/create`, [
			['slug', 'form-survey'],
			['title', '重复'],
			['groups', 'residents']
		]);
		expect(dup).toMatchObject({ type: 'failure', status: 409 });
		const viewerTry = await action(
			`/admin/cycles/${cycleId}/surveys?/create`,
			[
				['slug', 'viewer-survey'],
				['title', 'x'],
				['groups', 'residents']
			],
			tokens.viewer
		);
		expect(viewerTry.status).toBe(403);

		const list = await get(`/admin/cycles/${cycleId}/surveys`, tokens.viewer);
		expect(list.status).toBe(200);
		expect(await list.text()).toContain('表单问卷');
	});

	it('saves the editor form (questions as JSON, Beijing-time window) through the same schema', async () => {
		const path = `/admin/cycles/${cycleId}/surveys/form-survey`;
		const questions = JSON.stringify([
			{
				id: 'check',
				type: 'instructed',
				text: '本题请选择“满意”',
				required: true,
				options: [
					{ code: 'a', label: '满意' },
					{ code: 'b', label: '不满意' }
				],
				expected: 'a'
			},
			{ id: 'note', type: 'text', text: '其他意见', required: false, maxLength: 300 }
		]);
		const fields: [string, string][] = [
			['title', '表单问卷（改）'],
			['description', ''],
			['groups', 'residents'],
			['unitsMode', 'categories'],
			['unitCategories', 'township'],
			['unitCategories', 'general'],
			['scale', 'haoping5'],
			['access', 'invitation'],
			['askArea', 'on'],
			['unitComments', 'on'],
			['opensAt', '2025-10-01T08:00'],
			['closesAt', '2030-12-01T00:00'],
			['questions', questions]
		];
		const ok = await action(`${path}?/save`, fields);
		expect(ok, JSON.stringify(ok)).toMatchObject({ type: 'success' });
		const saved = (
			(await admin('GET', `/api/v1/cycles/${cycleId}/surveys`)).json.items as Record<
				string,
				unknown
			>[]
		).find((x) => x.slug === 'form-survey');
		expect(saved).toMatchObject({
			title: '表单问卷（改）',
			groups: ['residents'],
			units: { categories: ['township', 'general'] },
			scale: 'haoping5',
			access: 'invitation',
			askArea: true,
			askServiceUse: false,
			unitComments: true,
			generalComment: false,
			opensAt: '2025-10-01T00:00:00.000Z',
			closesAt: '2030-11-30T16:00:00.000Z'
		});
		expect((saved?.questions as { id: string }[]).map((q) => q.id)).toEqual(['check', 'note']);

		// Bad input comes back as field errors, nothing saved.
		const bad = await action(`${path}?/save`, [
			['title', '表单问卷（坏）'],
			['groups', 'residents'],
			['unitsMode', 'list'],
			['opensAt', '2025-02-30T08:00'],
			['questions', '[{"id":"q","type":"single","text":"","options":[]}']
		]);
		expect(bad).toMatchObject({ type: 'failure', status: 400 });
		expect(bad.data).toContain('invalid_datetime');
		expect(bad.data).toContain('units_required');
		expect(bad.data).toContain('malformed_json');

		const page = await get(path, tokens.admin);
		expect(page.status).toBe(200);
		const html = await page.text();
		expect(html).toContain('表单问卷（改）');
		expect(html).toContain('/s/form-survey?preview=1');

		// Published: the form changes only texts, whatever structural fields it carries.
		expect((await action(`${path}?/publish`, [])).type).toBe('success');
		const texts = await action(`${path}?/save`, [
			['title', '表单问卷（已发布）'],
			['groups', 'deputies'],
			['unitsMode', 'all'],
			['scale', 'ceping4'],
			['opensAt', '2025-10-01T08:00'],
			['closesAt', '2030-12-01T00:00'],
			[
				'questions',
				JSON.stringify([
					{
						id: 'check',
						type: 'single',
						text: '本题请选“满意”',
						options: [{ code: 'a', label: '很满意' }]
					}
				])
			]
		]);
		expect(texts, JSON.stringify(texts)).toMatchObject({ type: 'success' });
		const after = (
			(await admin('GET', `/api/v1/cycles/${cycleId}/surveys`)).json.items as Record<
				string,
				unknown
			>[]
		).find((x) => x.slug === 'form-survey') as {
			title: string;
			groups: string[];
			scale: string;
			status: string;
			questions: { id: string; type: string; text: string; options?: { label: string }[] }[];
		};
		expect(after).toMatchObject({
			title: '表单问卷（已发布）',
			groups: ['residents'],
			scale: 'haoping5',
			status: 'published'
		});
		expect(after.questions[0]).toMatchObject({ type: 'instructed', text: '本题请选“满意”' });
		expect(after.questions[0].options?.map((o) => o.label)).toEqual(['很满意', '不满意']);
		expect(after.questions[1].text).toBe('其他意见');

		expect((await action(`${path}?/publish`, [])).status).toBe(409);
		expect((await action(`${path}?/close`, [], tokens.viewer)).status).toBe(403);
		expect((await action(`${path}?/close`, [])).type).toBe('success');
	});

	it('serves the monitor page to office readers, and 404 for a survey of another cycle', async () => {
		const monitor = await get(
			`/admin/cycles/${cycleId}/surveys/builder-fixture-residents-2025/monitor`,
			tokens.reviewer
		);
		expect(monitor.status).toBe(200);
		expect(await monitor.text()).toContain('群众满意度测评');
		expect(
			(await get(`/admin/cycles/${cycleId + 999}/surveys/form-survey`, tokens.admin)).status
		).toBe(404);
		expect(
			(await get(`/admin/cycles/${cycleId}/surveys/no-such-survey/monitor`, tokens.admin)).status
		).toBe(404);
	});
});

describe('QR codes and posters', () => {
	const s = 'builder-fixture-residents-2025';

	it('serves survey and unit QR codes as SVG and PNG to admins and viewers', async () => {
		for (const token of [tokens.admin, tokens.viewer]) {
			const svg = await get(`/admin/surveys/${s}/qr?format=svg`, token);
			expect(svg.status).toBe(200);
			expect(svg.headers.get('content-type')).toContain('image/svg+xml');
			expect(await svg.text()).toContain('<path');
			const png = await get(`/admin/surveys/${s}/qr?u=TW01&format=png`, token);
			expect(png.status).toBe(200);
			expect(png.headers.get('content-type')).toBe('image/png');
			const bytes = new Uint8Array(await png.arrayBuffer());
			expect([...bytes.subarray(0, 4)]).toEqual([0x89, 0x50, 0x4e, 0x47]);
		}
		expect((await get(`/admin/surveys/${s}/qr?format=gif`, tokens.admin)).status).toBe(400);
		expect((await get(`/admin/surveys/${s}/qr?u=NOPE`, tokens.admin)).status).toBe(404);
		expect((await get(`/admin/surveys/no-such-survey/qr`, tokens.admin)).status).toBe(404);
		expect((await get(`/admin/surveys/${s}/qr`, tokens.reviewer)).status).toBe(403);
		const anonymous = await get(`/admin/surveys/${s}/qr`);
		expect(anonymous.status).toBe(303);
		expect(anonymous.headers.get('location')).toMatch(/^\/login/);
	});

	it('serves one poster per unit, or all of them in one PDF', async () => {
		const one = await get(`/admin/surveys/${s}/posters?u=D01`, tokens.viewer);
		expect(one.status).toBe(200);
		expect(one.headers.get('content-type')).toBe('application/pdf');
		const pdf = Buffer.from(await one.arrayBuffer());
		expect(pdf.subarray(0, 5).toString('latin1')).toBe('%PDF-');
		const pages = (b: Buffer) => b.toString('latin1').match(/\/Type \/Page\b(?!s)/g)?.length;
		expect(pages(pdf)).toBe(1);
		// The link under the QR code uses the origin the request came in on.
		const text = [...pdf.toString('latin1').matchAll(/(?<!end)stream\r?\n/g)]
			.map((m) => {
				const start = m.index + m[0].length;
				try {
					return inflateSync(pdf.subarray(start, pdf.indexOf('endstream', start))).toString(
						'latin1'
					);
				} catch {
					return '';
				}
			})
			.join('');
		const hex = (str: string) =>
			[...str].map((c) => `<${c.charCodeAt(0).toString(16).padStart(4, '0')}>`);
		for (const code of hex('县公安局')) expect(text).toContain(code);

		const all = await get(`/admin/surveys/${s}/posters`, tokens.admin);
		expect(all.status).toBe(200);
		expect(pages(Buffer.from(await all.arrayBuffer()))).toBe(5);
		expect((await get(`/admin/surveys/${s}/posters?u=NOPE`, tokens.admin)).status).toBe(404);
		expect((await get(`/admin/surveys/${s}/posters`, tokens.reviewer)).status).toBe(403);
	});
});
