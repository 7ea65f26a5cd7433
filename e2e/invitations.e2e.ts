import type { Page } from '@playwright/test';
import { expect, test } from './helpers/test';
import AxeBuilder from '@axe-core/playwright';
import { ADMIN, open, signIn } from './helpers/console';

const year = new Date().getFullYear();
const slug = `pingxi-${year}-deputies`;

async function adminToken(page: Page): Promise<string> {
	const r = await page.request.post('/api/v1/auth/tokens', {
		data: { email: ADMIN.email, password: ADMIN.password, name: 'e2e-invitations' }
	});
	expect(r.status()).toBe(201);
	return (await r.json()).token;
}

/** Answers every unit card of the survey, page by page (the page script shows 12 at a time). */
async function answerAll(page: Page) {
	let answered = 0;
	for (;;) {
		const cards = page.locator('fieldset[data-unit]:visible');
		const n = await cards.count();
		for (let i = 0; i < n; i++) await cards.nth(i).getByText('满意', { exact: true }).click();
		answered += n;
		const next = page.getByRole('button', { name: '下一页' });
		if (!(await next.isVisible())) break;
		await next.click();
	}
	return answered;
}

test('a deputy answers from a slip’s QR link, the code works once, and the office sees the rate', async ({
	page,
	browser
}) => {
	test.setTimeout(150_000);
	await signIn(page);
	const token = await adminToken(page);
	const auth = { authorization: `Bearer ${token}` };
	// The demo's deputies survey is a draft: publish it.
	const published = await page.request.post(`/api/v1/surveys/${slug}/publish`, { headers: auth });
	expect(published.status()).toBe(200);
	const cycles = (await (await page.request.get('/api/v1/cycles', { headers: auth })).json()) as
		{ id: number; year: number }[] | { items: { id: number; year: number }[] };
	const cycleId = (Array.isArray(cycles) ? cycles : cycles.items).find((c) => c.year === year)!.id;
	const rosterPage = `/admin/cycles/${cycleId}/surveys/${slug}/rosters`;

	// The demo roster: 60 deputies with codes issued (not printed).
	await open(page, rosterPage);
	await expect(page.locator('[data-rate="deputies"]')).toHaveText('0.0%');
	expect(
		(await new AxeBuilder({ page }).withTags(['wcag2a', 'wcag2aa']).analyze()).violations.filter(
			(v) => v.impact === 'serious' || v.impact === 'critical'
		)
	).toEqual([]);

	// The office imports two more deputies from a spreadsheet…
	await page.getByLabel('名单文件（CSV 或 XLSX）').setInputFiles({
		name: 'roster.csv',
		mimeType: 'text/csv',
		buffer: Buffer.from(
			'\uFEFF姓名,类别,手机,单位\r\n测试代表甲,人大代表,13812340001,县直机关\r\n测试代表乙,政协委员,,县工商联\r\n'
		)
	});
	await page.getByRole('button', { name: '上传' }).click();
	await expect(page.getByRole('status')).toContainText('已导入 2 行');
	await expect(page.getByRole('cell', { name: '测试代表甲' })).toBeVisible();

	// …and issues their codes. The slip's QR code carries the same link the API returns.
	const issued = await page.request.post(`/api/v1/surveys/${slug}/invitations`, {
		headers: auth,
		data: { group: 'deputies', unissued: true }
	});
	expect(issued.status()).toBe(201);
	const codes = (await issued.json()).codes as { label: string; code: string; link: string }[];
	expect(codes.map((c) => c.label)).toEqual(['测试代表甲', '测试代表乙']);
	const link = codes[0].link;
	expect(link).toMatch(new RegExp(`/s/${slug}\\?k=[2-9A-HJ-NP-Z]{10}$`));

	// The deputy scans the QR code: a fresh browser, no account.
	const deputy = await browser.newPage();
	await deputy.goto(link);
	// The start token was issued while the page was served: its 8 s count from here.
	const opened = Date.now();
	await expect(deputy.getByLabel('邀请码')).toHaveValue(codes[0].code.replace('-', ''));
	expect(await answerAll(deputy)).toBe(36);
	await deputy.waitForTimeout(Math.max(0, 8_500 - (Date.now() - opened)));
	await deputy.getByRole('button', { name: '提交' }).click();
	await expect(deputy).toHaveURL(new RegExp(`/s/${slug}/thanks\\?r=`));
	await expect(deputy.locator('.receipt strong')).toHaveText(/^[A-Z2-9]{5}-[A-Z2-9]{5}$/);

	// The same slip again: refused in plain words, the answers stay on the page.
	const again = await browser.newPage();
	await again.goto(link);
	// The start token was issued while the page was served: its 8 s count from here.
	const reopened = Date.now();
	await answerAll(again);
	await again.waitForTimeout(Math.max(0, 8_500 - (Date.now() - reopened)));
	await again.getByRole('button', { name: '提交' }).click();
	await expect(again.getByRole('alert').first()).toContainText('邀请码无效或已经使用过');
	await expect(again).not.toHaveURL(/thanks/);
	await expect(
		again.locator('fieldset[data-unit]').first().getByRole('radio', { name: '满意', exact: true })
	).toBeChecked();

	// The dashboard shows the rate: 1 of 62 codes used.
	await open(page, rosterPage);
	await expect(page.locator('[data-rate="deputies"]')).toHaveText('1.6%');
	await expect(page.locator('[data-rate="deputies/npc"]')).toHaveText(/^\d+\.\d%$/);
	await expect(page.getByRole('img', { name: '应答率（按天累计）' })).toBeVisible();

	// A lost slip: re-issued and printed for the second deputy (a PDF download).
	const row = page.locator('tr', { has: page.getByRole('cell', { name: '测试代表乙' }) });
	const download = page.waitForEvent('download');
	await row.getByRole('button', { name: '作废并重发（下载通知单）' }).click();
	const pdf = await download;
	expect(pdf.suggestedFilename()).toMatch(/\.pdf$/);
	// The old code is revoked: the roster counts it.
	const list = await page.request.get(`/api/v1/surveys/${slug}/invitations`, { headers: auth });
	const items = (await list.json()).items as { label: string; codesRevoked: number }[];
	expect(items.find((i) => i.label === '测试代表乙')?.codesRevoked).toBe(1);
});
