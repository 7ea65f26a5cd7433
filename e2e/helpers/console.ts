import { expect, type Page } from '@playwright/test';
import { ADMIN } from './run-files';

export { ADMIN };

/** Opens a console page and waits until it is hydrated, so typed values are not reset. */
export async function open(page: Page, url: string) {
	await page.goto(url);
	await page.waitForSelector('body[data-hydrated="true"]');
}

export async function signIn(page: Page, email = ADMIN.email, password = ADMIN.password) {
	await open(page, '/login');
	await page.getByLabel('邮箱').fill(email);
	await page.getByLabel('密码').fill(password);
	await page.getByRole('button', { name: '登录' }).click();
	await expect(page).not.toHaveURL(/\/login/);
}
