import { randomUUID } from 'node:crypto';
import type { APIRequestContext, Page } from '@playwright/test';
import { expect, test } from './helpers/test';
import AxeBuilder from '@axe-core/playwright';
import { solvePow, type Start } from '../tests/helpers/respondent';
import { ADMIN, open, signIn } from './helpers/console';

/**
 * The feedback loop end to end on the demo county: residents answer, the office publishes, a unit
 * liaison sees only their unit, opens a low item, creates a rectification item with evidence and
 * marks it done; the office starts a follow-up, residents answer it, the office verifies, and the
 * overview counts the item.
 */

const UNIT = 'TW02'; // 石桥镇
const UNIT_NAME = '石桥镇';
const LIAISON = { email: `liaison-${Date.now()}@e2e.local`, password: 'liaison-password-1' };
/**
 * The office works under its own admin account: every sign-in counts against the per-account login
 * limit, and the shared e2e admin is already used by the other files of the run.
 */
const OFFICE = { email: `office-${Date.now()}@e2e.local`, password: 'office-password-12' };
const PDF = Buffer.from('%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n');

async function adminApi(request: APIRequestContext) {
	const r = await request.post('/api/v1/auth/tokens', {
		data: { email: ADMIN.email, password: ADMIN.password, name: 'e2e-rectification' }
	});
	expect(r.status()).toBe(201);
	const { token } = (await r.json()) as { token: string };
	return { authorization: `Bearer ${token}` };
}

/**
 * Start tokens must be at least 8 s old, and the speed check quarantines answers faster than its
 * fallback (1 s per rated unit + 10 s): fetch them all, then wait once as long as a real person
 * would have taken, so the answers are counted.
 */
async function startPool(
	request: APIRequestContext,
	slug: string,
	n: number,
	ratedUnits: number
): Promise<Start[]> {
	const pool: Start[] = [];
	for (let i = 0; i < n; i++) {
		const r = await request.get(`/api/v1/public/surveys/${slug}`);
		expect(r.status()).toBe(200);
		pool.push(((await r.json()) as { start: Start }).start);
	}
	await new Promise((r) => setTimeout(r, Math.max(8_300, (ratedUnits + 11) * 1000)));
	return pool;
}

async function submit(request: APIRequestContext, slug: string, start: Start, body: object) {
	const r = await request.post(`/api/v1/public/surveys/${slug}/responses`, {
		data: {
			submissionId: randomUUID(),
			startToken: start.token,
			altcha: await solvePow(start.challenge),
			...body
		}
	});
	expect(r.status(), await r.text()).toBe(201);
}

/** No serious or critical WCAG 2 A/AA violations on the current page. */
async function expectAccessible(page: Page) {
	const results = await new AxeBuilder({ page }).withTags(['wcag2a', 'wcag2aa']).analyze();
	const serious = results.violations.filter(
		(v) => v.impact === 'serious' || v.impact === 'critical'
	);
	expect(
		serious.map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`)
	).toEqual([]);
}

/** A fresh start for the next person at the same browser (the session cookie is dropped). */
async function signOut(page: Page) {
	await page.context().clearCookies();
	await page.goto('/unit');
	await expect(page).toHaveURL(/\/login/);
}

test('a liaison rectifies a low item with evidence; the office follows up, verifies and counts it', async ({
	page,
	request
}) => {
	test.setTimeout(240_000);
	const auth = await adminApi(request);

	// The demo county and its resident survey.
	const cycles = (
		(await (await request.get('/api/v1/cycles', { headers: auth })).json()) as {
			items: { id: number; name: string }[];
		}
	).items;
	const demo = cycles.find((c) => c.name.startsWith('平溪县'));
	expect(demo).toBeTruthy();
	const cycleId = demo!.id;
	const surveys = (
		(await (await request.get(`/api/v1/cycles/${cycleId}/surveys`, { headers: auth })).json()) as {
			items: { slug: string }[];
		}
	).items;
	const slug = surveys.find((s) => /^pingxi-\d{4}$/.test(s.slug))!.slug;
	const pub = (await (await request.get(`/api/v1/public/surveys/${slug}`)).json()) as {
		survey: { units: { code: string }[] };
	};
	const units = pub.survey.units.map((u) => u.code);

	// The liaison account, created by the office through the API.
	const created = await request.post('/api/v1/users', {
		headers: auth,
		data: { ...LIAISON, name: '石桥镇联络员', role: 'unit_liaison', unitCode: UNIT }
	});
	expect(created.status()).toBe(201);
	const office = await request.post('/api/v1/users', {
		headers: auth,
		data: { ...OFFICE, name: '考核办', role: 'admin' }
	});
	expect(office.status()).toBe(201);

	// Residents and service recipients answer: residents are less satisfied with 石桥镇.
	const pool = await startPool(request, slug, 10, units.length);
	const ratings = (level: string) =>
		Object.fromEntries(units.map((u) => [u, u === UNIT ? level : 'fairly_satisfied']));
	for (let i = 0; i < 6; i++) {
		await submit(request, slug, pool[i], {
			group: 'residents',
			area: `${UNIT}-0${1 + (i % 2)}`,
			ratings: ratings(i < 4 ? 'dissatisfied' : 'basically_satisfied'),
			answers: { attention: 'basic' },
			comments: i === 0 ? { [UNIT]: '便民服务中心经常没人，我电话13812345678' } : undefined
		});
	}
	for (let i = 6; i < 10; i++) {
		await submit(request, slug, pool[i], {
			group: 'service_recipients',
			serviceUse: 'yes',
			ratings: ratings('satisfied'),
			answers: { attention: 'basic' }
		});
	}

	// The office publishes the scores.
	const snap = await request.post(`/api/v1/cycles/${cycleId}/snapshots`, {
		headers: auth,
		data: {}
	});
	expect(snap.status()).toBe(201);
	const sid = ((await snap.json()) as { id: number }).id;
	const published = await request.post(`/api/v1/cycles/${cycleId}/snapshots/${sid}/publish`, {
		headers: auth
	});
	expect(published.status()).toBe(200);

	// The liaison signs in and lands on their own unit only.
	await signIn(page, LIAISON.email, LIAISON.password);
	await expect(page).toHaveURL(/\/unit$/);
	await page.waitForSelector('body[data-hydrated="true"]');
	await expect(page.getByRole('heading', { level: 1 })).toContainText(UNIT_NAME);
	await expect(page.getByTestId('portal-score')).not.toHaveText('—');
	await expect(page.getByText('便民服务中心经常没人，我电话[电话]')).toBeVisible();
	const html = await page.content();
	expect(html).not.toContain('13812345678');
	for (const other of ['河口镇', '白沙镇', '城关街道', '县公安局']) {
		expect(html).not.toContain(other);
	}
	await expectAccessible(page);
	const foreign = await page.goto('/unit?unit=TW01');
	expect(foreign?.status()).toBe(404);

	// A low item: residents of 石桥镇.
	await open(page, '/unit');
	await page.getByTestId('low-item').first().click();
	await expect(page).toHaveURL(/\/unit\/rectifications\/new\?/);
	await page.waitForSelector('body[data-hydrated="true"]');
	await expect(page.getByTestId('low-item-detail')).toBeVisible();
	await page.getByLabel('问题类型').selectOption('efficiency');
	await page.getByLabel('问题描述').fill('群众反映便民服务中心工作日经常无人值守');
	await page.getByLabel('责任人').fill('王副镇长');
	await page.getByLabel('整改措施').fill('实行首问负责和轮值制度，公示值班表');
	await page.getByRole('button', { name: '新建' }).click();
	await expect(page).toHaveURL(/\/unit\/rectifications\/\d+$/);
	const itemId = Number(page.url().split('/').pop());
	await page.waitForSelector('body[data-hydrated="true"]');
	await expect(page.getByTestId('item-status')).toHaveText('待整改');

	// Evidence, then start and finish the work.
	await page.getByLabel('上传佐证材料').setInputFiles({
		name: '值班表.pdf',
		mimeType: 'application/pdf',
		buffer: PDF
	});
	await page.getByRole('button', { name: '上传', exact: true }).click();
	await expect(page.getByRole('link', { name: '值班表.pdf' })).toBeVisible();
	await page.getByRole('button', { name: '开始整改' }).click();
	await expect(page.getByTestId('item-status')).toHaveText('整改中');
	await page.getByLabel('说明（可选）').fill('值班表已在大厅公示');
	await page.getByRole('button', { name: '标记为已完成' }).click();
	await expect(page.getByTestId('item-status')).toHaveText('已完成');
	await expectAccessible(page);
	// Units cannot verify their own items.
	await expect(page.getByRole('button', { name: '验收销号' })).toHaveCount(0);
	await signOut(page);

	// The office starts a follow-up on the done item.
	await signIn(page, OFFICE.email, OFFICE.password);
	await open(page, `/unit/rectifications/${itemId}`);
	await page.getByRole('button', { name: '发起回访' }).click();
	const link = page.getByTestId('followup-link');
	await expect(link).toBeVisible();
	const followupSlug = ((await link.textContent()) ?? '').split('/s/').pop()!.trim();
	expect(followupSlug).toMatch(new RegExp(`^fu-${itemId}-`));
	await expect(page.getByRole('img', { name: '回访二维码' })).toBeVisible();

	// Residents answer the one-question follow-up.
	const fuPool = await startPool(request, followupSlug, 2, 1);
	for (const [i, level] of ['satisfied', 'fairly_satisfied'].entries()) {
		await submit(request, followupSlug, fuPool[i], {
			group: 'residents',
			ratings: { [UNIT]: level }
		});
	}
	await open(page, `/unit/rectifications/${itemId}`);
	await expect(page.getByTestId('followup-result')).toContainText('2 份有效评价');
	await expect(page.getByTestId('followup-result')).toContainText('90.00');

	// The office verifies; the overview counts it.
	await page.getByRole('button', { name: '验收销号' }).click();
	await expect(page.getByTestId('item-status')).toHaveText('已验收销号');
	await open(page, `/admin/cycles/${cycleId}/rectification`);
	await expect(page.getByTestId('verified')).not.toHaveText('0');
	const row = page.getByRole('row').filter({ has: page.getByRole('link', { name: `#${itemId}` }) });
	await expect(row).toContainText('已验收销号');
	await expect(row).toContainText(UNIT_NAME);
	await expect(page.getByRole('img', { name: '按问题类型' })).toBeVisible();
	await expectAccessible(page);
	await open(page, `/admin/cycles/${cycleId}/comments`);
	await expect(page.getByText('便民服务中心经常没人，我电话[电话]')).toBeVisible();
	await expectAccessible(page);
});
