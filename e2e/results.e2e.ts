import { readFileSync } from 'node:fs';
import { expect, test } from './helpers/test';
import ExcelJS from 'exceljs';
import { open, signIn } from './helpers/console';

test('the office opens the results, sees the charts and downloads XLSX and CSV', async ({
	page
}) => {
	await signIn(page);
	await open(page, '/admin/cycles/1/results');
	await expect(page.getByRole('heading', { level: 2 }).first()).toBeVisible();
	// One chart per category of the demo county (streets, townships, frontline, general departments).
	await expect(page.locator('figure canvas')).toHaveCount(4);

	const [xlsx] = await Promise.all([
		page.waitForEvent('download'),
		page.getByRole('link', { name: '下载 Excel' }).click()
	]);
	const wb = new ExcelJS.Workbook();
	await wb.xlsx.load(readFileSync(await xlsx.path()) as unknown as ArrayBuffer);
	const sheet = wb.worksheets[0];
	const names: string[] = [];
	sheet.eachRow((row, n) => {
		if (n > 1) for (let c = 1; c <= 3; c++) names.push(String(row.getCell(c).value ?? ''));
	});
	expect(names).toEqual(expect.arrayContaining(['城关街道', '河口镇', '县公安局', '县民政局']));
	expect(wb.worksheets.length).toBeGreaterThan(1);

	const [csv] = await Promise.all([
		page.waitForEvent('download'),
		page.getByRole('link', { name: '下载 CSV' }).click()
	]);
	const bytes = readFileSync(await csv.path());
	expect([...bytes.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
	expect(bytes.toString('utf8')).toContain('河口镇');
});
