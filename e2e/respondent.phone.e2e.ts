import type { Page } from '@playwright/test';
import { expect, test } from './helpers/test';
import AxeBuilder from '@axe-core/playwright';
import { ADMIN } from './helpers/console';

const year = new Date().getFullYear();
const slug = `pingxi-${year}`;

async function adminToken(page: Page): Promise<string> {
	const r = await page.request.post('/api/v1/auth/tokens', {
		data: { email: ADMIN.email, password: ADMIN.password, name: 'e2e' }
	});
	expect(r.status()).toBe(201);
	return (await r.json()).token;
}

async function seriousViolations(page: Page) {
	const results = await new AxeBuilder({ page }).withTags(['wcag2a', 'wcag2aa']).analyze();
	return results.violations
		.filter((v) => v.impact === 'serious' || v.impact === 'critical')
		.map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
}

/** Answers every unit card on the visible page with the given level label. */
async function answerVisibleUnits(page: Page, level: string) {
	const cards = page.locator('fieldset[data-unit]:visible');
	const n = await cards.count();
	for (let i = 0; i < n; i++) await cards.nth(i).getByText(level, { exact: true }).click();
	return n;
}

test('a resident answers all 36 units from a per-unit QR code with JavaScript, and gets a receipt', async ({
	page
}) => {
	await page.goto(`/s/${slug}?u=D05`);
	// The start token was issued while the page was served: its 8 s count from here.
	const opened = Date.now();
	// The QR code's unit comes first and the channel is marked.
	await expect(page.locator('fieldset[data-unit]').first()).toHaveAttribute('data-unit', 'D05');
	await expect(page.locator('input[name=channel]')).toHaveValue('qr');
	expect(await seriousViolations(page)).toEqual([]);

	await page.getByLabel('群众').check();
	await page.getByLabel('您居住的地方').selectOption('TW01-02');
	let answered = await answerVisibleUnits(page, '满意');
	await expect(page.locator('.progress')).toContainText(`${answered} / 36`);
	// Local save: a reload (a WeChat tab switch) keeps every answer.
	await page.reload();
	await expect(page.locator('.progress')).toContainText(`${answered} / 36`);
	await expect(page.getByLabel('群众')).toBeChecked();
	while (await page.getByRole('button', { name: '下一页' }).isVisible()) {
		await page.getByRole('button', { name: '下一页' }).click();
		answered += await answerVisibleUnits(page, '比较满意');
	}
	expect(answered).toBe(36);
	await page.getByRole('radio', { name: '基本满意' }).last().check();
	await page.getByLabel('其他意见或建议（选填）').fill('希望办事窗口延长午间服务时间。');
	// Start tokens are valid from 8 s after the page was served.
	await page.waitForTimeout(Math.max(0, 8_500 - (Date.now() - opened)));
	await page.getByRole('button', { name: '提交' }).click();
	await expect(page).toHaveURL(new RegExp(`/s/${slug}/thanks\\?r=`));
	const receipt = (await page.locator('.receipt strong').textContent())?.trim() ?? '';
	expect(receipt).toMatch(/^[A-Z2-9]{5}-[A-Z2-9]{5}$/);
	expect(await seriousViolations(page)).toEqual([]);

	const token = await adminToken(page);
	const list = await page.request.get(
		`/api/v1/surveys/${slug}/responses?include=ratings&limit=1000`,
		{
			headers: { authorization: `Bearer ${token}` }
		}
	);
	const items = (await list.json()).items as {
		receipt: string;
		channel: string;
		area: string;
		reasons: string[];
		ratings: Record<string, string>;
	}[];
	const row = items.find((i) => i.receipt === receipt);
	expect(row?.channel).toBe('qr');
	expect(row?.area).toBe('TW01-02');
	expect(row?.reasons).not.toContain('pow.missing');
	expect(Object.keys(row?.ratings ?? {})).toHaveLength(36);
	expect(row?.ratings.D05).toBe('satisfied');
	expect(Object.values(row?.ratings ?? {}).filter((v) => v === 'fairly_satisfied')).toHaveLength(
		24
	);
});

test.describe('without JavaScript', () => {
	test.use({ javaScriptEnabled: false });

	test('a resident answers with a plain form post; mistakes are shown next to the fields and answers are kept', async ({
		page
	}) => {
		await page.goto(`/s/${slug}`);
		// The start token was issued while the page was served: its 8 s count from here.
		const opened = Date.now();
		await page.getByLabel('群众').check();
		// Everything on one long page without JavaScript.
		const cards = page.locator('fieldset[data-unit]');
		await expect(cards).toHaveCount(36);
		for (let i = 0; i < 35; i++) {
			await cards
				.nth(i)
				.getByText(i % 2 ? '不满意' : '不了解', { exact: true })
				.click();
		}
		await page.waitForTimeout(Math.max(0, 8_500 - (Date.now() - opened)));
		await page.getByRole('button', { name: '提交' }).click();
		// Missing: the area, the last unit, the attention question.
		await expect(page.getByRole('alert').first()).toContainText('处需要填写或修改');
		const last = page.locator('fieldset[data-unit]').nth(35);
		await expect(last.locator('.err')).toBeVisible();
		await expect(
			page.locator('fieldset[data-unit]').nth(1).getByRole('radio', { name: '不满意' })
		).toBeChecked();
		await page.getByLabel('您居住的地方').selectOption('TW02-03');
		await last.getByText('满意', { exact: true }).click();
		await page.getByRole('radio', { name: '基本满意' }).last().check();
		await page.getByRole('button', { name: '提交' }).click();
		await expect(page).toHaveURL(new RegExp(`/s/${slug}/thanks\\?r=`));
		await expect(page.locator('.receipt strong')).toHaveText(/^[A-Z2-9]{5}-[A-Z2-9]{5}$/);

		const token = await adminToken(page);
		const list = await page.request.get(
			`/api/v1/surveys/${slug}/responses?include=ratings&limit=1000`,
			{
				headers: { authorization: `Bearer ${token}` }
			}
		);
		const items = (await list.json()).items as {
			area: string;
			reasons: string[];
			ratings: Record<string, string>;
		}[];
		const row = items.find((i) => i.area === 'TW02-03');
		// Without JavaScript there is no proof of work: stored, and marked for the checks.
		expect(row?.reasons).toContain('pow.missing');
		expect(Object.values(row?.ratings ?? {}).filter((v) => v === 'dont_know')).toHaveLength(18);
	});
});

test('closed and unknown surveys say so in plain words', async ({ page }) => {
	const r = await page.goto('/s/no-such-survey');
	expect(r?.status()).toBe(404);
	await expect(page.getByRole('heading')).toContainText('找不到这份问卷');
});
