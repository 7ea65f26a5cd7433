import { expect, test } from './helpers/test';
import AxeBuilder from '@axe-core/playwright';
import ExcelJS from 'exceljs';
import { open, signIn } from './helpers/console';

test('the login page has no serious accessibility violations', async ({ page }) => {
	await open(page, '/login');
	const results = await new AxeBuilder({ page }).withTags(['wcag2a', 'wcag2aa']).analyze();
	const serious = results.violations.filter(
		(v) => v.impact === 'serious' || v.impact === 'critical'
	);
	expect(serious.map((v) => v.id)).toEqual([]);
});

test('a wrong password is refused with a clear message', async ({ page }) => {
	await open(page, '/login');
	await page.getByLabel('邮箱').fill('admin@e2e.local');
	await page.getByLabel('密码').fill('not-the-password');
	await page.getByRole('button', { name: '登录' }).click();
	await expect(page.getByRole('alert')).toContainText('邮箱或密码不正确');
});

test('the office creates a cycle, a category with weights, imports units from XLSX and sees them', async ({
	page
}) => {
	await signIn(page);
	await expect(page).toHaveURL(/\/admin$/);
	await open(page, '/admin/cycles');
	await page.getByLabel('名称').fill('E2E 测试年度');
	await page.getByLabel('年度').fill('2031');
	await page.getByRole('button', { name: '新建' }).click();
	await expect(page).toHaveURL(/\/admin\/cycles\/\d+$/);
	const cycleUrl = page.url();

	// Groups first: weights may only name groups of the cycle.
	await open(page, `${cycleUrl}/groups`);
	for (const [code, label] of [
		['residents', '群众'],
		['deputies', '两代表一委员']
	]) {
		await page.locator('#create-code').fill(code);
		await page.locator('#create-label').fill(label);
		await page.getByRole('button', { name: '新建' }).click();
		await expect(page.getByRole('status')).toContainText('已保存');
	}

	await open(page, `${cycleUrl}/categories`);
	await page.locator('#new-code').fill('township');
	await page.locator('#new-name').fill('乡镇');
	await page.locator('#new-w-residents').fill('0.6');
	await page.locator('#new-w-deputies').fill('0.3');
	await page.getByRole('button', { name: '新建' }).click();
	await expect(page.getByRole('alert')).toContainText('权重之和必须等于 1');
	await page.locator('#new-w-deputies').fill('0.4');
	await page.getByRole('button', { name: '新建' }).click();
	await expect(page.getByRole('heading', { name: /乡镇/ })).toBeVisible();

	const wb = new ExcelJS.Workbook();
	const ws = wb.addWorksheet('units');
	ws.addRow(['编码', '名称', '类别', '片区']);
	ws.addRow(['T01', '青石镇', 'township', '']);
	ws.addRow(['T02', '柳河乡', 'township', '']);
	const xlsx = Buffer.from(await wb.xlsx.writeBuffer());

	await open(page, `${cycleUrl}/units`);
	await page.getByLabel('批量导入（CSV 或 XLSX）').setInputFiles({
		name: 'units.xlsx',
		mimeType: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
		buffer: xlsx
	});
	await page.getByRole('button', { name: '上传' }).click();
	await expect(page.getByRole('status')).toContainText('已导入 2 行');
	await expect(page.getByRole('cell', { name: '青石镇' })).toBeVisible();
	await expect(page.getByRole('cell', { name: '柳河乡' })).toBeVisible();
});
