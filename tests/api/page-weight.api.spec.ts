import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { apiClient, apiToken, startTestServer, type TestServer } from '../helpers/app-server';
import { surveyCycleDocument } from '../helpers/respondent';

/**
 * DESIGN.md §8: the respondent page with 30 units weighs at most 37 KB gzipped, HTML + CSS + JS,
 * measured on the production build exactly as a phone downloads it. No web fonts allowed.
 */
const BUDGET = 37 * 1024;
let server: TestServer;

beforeAll(async () => {
	server = await startTestServer();
	const admin = apiClient(server, await apiToken(server));
	expect(
		(await admin('POST', '/api/v1/cycles/import', surveyCycleDocument('weight', 30))).status
	).toBe(201);
	expect((await admin('POST', '/api/v1/surveys/weight/publish')).status).toBe(200);
});
afterAll(async () => {
	await server?.stop();
});

it('the 30-unit survey page, its CSS and its script fit in 37 KB gzipped', async () => {
	const page = await fetch(`${server.url}/s/weight`);
	expect(page.status).toBe(200);
	const html = await page.text();
	expect(html.match(/data-unit=/g)).toHaveLength(30);
	const assets = [
		...html.matchAll(/<link[^>]+href="([^"]+\.css)"/g),
		...html.matchAll(/<script[^>]+src="([^"]+)"/g)
	].map((m) => new URL(m[1], `${server.url}/s/weight`).toString());
	expect(assets.some((a) => a.endsWith('/survey.js'))).toBe(true);
	expect(html).not.toMatch(/@font-face|\.woff2?/);
	let total = gzipSync(html).length;
	const sizes: Record<string, number> = { html: total };
	for (const url of assets) {
		const r = await fetch(url);
		expect(r.status).toBe(200);
		const body = Buffer.from(await r.arrayBuffer());
		expect(body.toString()).not.toMatch(/@font-face/);
		sizes[url.replace(server.url, '')] = gzipSync(body).length;
		total += gzipSync(body).length;
	}
	// Printed so the note can state the measured figure.
	console.info(`respondent page weight (gzip): ${JSON.stringify(sizes)} total ${total} B`);
	expect(total).toBeLessThanOrEqual(BUDGET);
	// No SvelteKit client runtime on this page: it is server-rendered with one small script.
	expect(html).not.toContain('/_app/immutable/entry/');
});
