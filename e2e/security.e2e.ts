import { randomUUID } from 'node:crypto';
import path from 'node:path';
import type { APIRequestContext, Browser, BrowserContext, Page } from '@playwright/test';
import { discoverPages } from '../tests/helpers/route-table';
import { solvePow, surveyCycleDocument, type Start } from '../tests/helpers/respondent';
import { ADMIN, signIn } from './helpers/console';
import { expect, test } from './helpers/test';

/**
 * Web security in the browser (DESIGN.md §9): every page of the route tree, opened by the role that
 * uses it, runs without a single Content Security Policy violation (no inline script without its
 * nonce, no inline event handler, nothing from another origin); and hostile text stored in names,
 * titles, comments, appeals and rectification items is shown as text, never run as markup.
 */

declare global {
	interface Window {
		/** CSP violations seen in this frame since the last look (the init script below). */
		__cspViolations?: string[];
		/** Set by the hostile text if it ever runs. */
		__pwned?: number;
	}
}

/** Markup that would run if a page put stored text into the DOM as HTML. */
const HOSTILE =
	'<script data-pwned>window.__pwned=1</script><img data-pwned src=x onerror=window.__pwned=1>';
const year = new Date().getFullYear();
const routesDir = path.resolve(import.meta.dirname, '../src/routes');

type Role = 'anonymous' | 'admin' | 'liaison';
interface Visit {
	as: Role;
	query?: string;
	/** Param values other than the defaults (`ids`). */
	params?: Record<string, string>;
	/** Text the page must show literally (stored hostile text). */
	shows?: string;
}

/**
 * Who opens which page. Pages not named here are opened by the admin with the default params: a
 * new console page is covered without anyone adding it, and a new page that the admin cannot open
 * (another role's page, or a new `[param]`) fails the sweep until it is given a visit here.
 */
function visitsOf(ids: Record<string, string>): Record<string, Visit[]> {
	return {
		'/': [{ as: 'anonymous' }],
		'/login': [{ as: 'anonymous' }],
		'/methodology': [{ as: 'anonymous' }, { as: 'admin' }],
		'/s/[slug]': [{ as: 'anonymous' }],
		'/s/[slug]/thanks': [{ as: 'anonymous', query: 'r=ABCDE-FGHJK' }],
		'/account/password': [{ as: 'admin' }, { as: 'liaison' }],
		'/unit': [{ as: 'liaison' }, { as: 'admin' }, { as: 'admin', query: 'unit=TW01' }],
		'/unit/rectifications/new': [
			{ as: 'liaison', query: 'unit=TW01' },
			{ as: 'admin', query: 'unit=TW01' }
		],
		'/unit/rectifications/[rid]': [
			{ as: 'liaison', shows: ids.rectificationText },
			{ as: 'admin', shows: ids.rectificationText }
		],
		'/admin/cycles/[id]/rectification/appeals/[aid]': [{ as: 'admin', shows: ids.appealText }],
		'/admin/cycles/[id]/surveys/[slug]/rosters': [{ as: 'admin', params: { slug: ids.rosterSlug } }]
	};
}

function fill(pattern: string, params: Record<string, string>): string {
	return pattern.replace(/\[(\w+)\]/g, (_, name: string) => {
		const v = params[name];
		if (v === undefined) {
			throw new Error(`no value for [${name}] of ${pattern}: give it one in ids`);
		}
		return encodeURIComponent(v);
	});
}

async function adminApi(request: APIRequestContext) {
	const r = await request.post('/api/v1/auth/tokens', {
		data: { email: ADMIN.email, password: ADMIN.password, name: 'e2e-security' }
	});
	expect(r.status()).toBe(201);
	return { authorization: `Bearer ${((await r.json()) as { token: string }).token}` };
}

/** A browser context that records CSP violations in every frame of every page it opens. */
async function watchedContext(browser: Browser): Promise<BrowserContext> {
	const context = await browser.newContext();
	await context.addInitScript(() => {
		window.__cspViolations = [];
		document.addEventListener(
			'securitypolicyviolation',
			(e) => {
				const where = e.sourceFile ? ` at ${e.sourceFile}:${e.lineNumber}` : '';
				window.__cspViolations?.push(
					`${e.effectiveDirective} blocked ${e.blockedURI || '(inline)'}${where}`
				);
			},
			true
		);
	});
	return context;
}

/** The text is on the page as text, or as the value of a form field (an editable item). */
async function showsLiterally(page: Page, text: string): Promise<boolean> {
	if (await page.getByText(text).first().isVisible()) return true;
	return page.evaluate(
		(t) =>
			[
				...document.querySelectorAll<HTMLInputElement | HTMLTextAreaElement>('input, textarea')
			].some((e) => e.value === t),
		text
	);
}

/** Every problem of the sweep, so that one run lists them all. */
class Sweep {
	readonly problems: string[] = [];
	readonly visited = new Set<string>();
	private console: string[] = [];

	watch(page: Page) {
		page.on('console', (m) => {
			if (m.type() === 'error' && /Content Security Policy/i.test(m.text())) {
				this.console.push(m.text());
			}
		});
	}

	/**
	 * Opens the page, waits until it has hydrated (or settled, for pages without a client script),
	 * and notes CSP violations, console CSP errors, hostile markup that ran, and missing text.
	 */
	async visit(page: Page, who: Role, pattern: string, url: string, shows?: string) {
		const label = `${pattern} as ${who} (${url})`;
		this.console = [];
		const response = await page.goto(url);
		const status = response?.status() ?? 0;
		const reached = new URL(page.url()).pathname === url.split('?')[0];
		if (status !== 200 || !reached) {
			this.problems.push(`${label}: not reached (status ${status}, at ${page.url()})`);
			return;
		}
		const html = await page.content();
		if (html.includes('__sveltekit_')) {
			const hydrated = await page
				.waitForSelector('body[data-hydrated="true"]', { timeout: 10_000 })
				.then(
					() => true,
					() => false
				);
			if (!hydrated) this.problems.push(`${label}: did not hydrate`);
		}
		// Violation events are queued tasks: let them arrive.
		await page.waitForTimeout(300);
		for (const frame of page.frames()) {
			const seen = await frame
				.evaluate(() => {
					const v = window.__cspViolations ?? [];
					window.__cspViolations = [];
					return { violations: v, pwned: window.__pwned ?? 0 };
				})
				.catch(() => ({ violations: [] as string[], pwned: 0 }));
			for (const v of seen.violations) this.problems.push(`${label}: CSP violation: ${v}`);
			if (seen.pwned) this.problems.push(`${label}: hostile text ran as script`);
		}
		for (const c of this.console) this.problems.push(`${label}: console: ${c}`);
		const injected = await page.locator('[data-pwned]').count();
		if (injected) this.problems.push(`${label}: ${injected} hostile element(s) in the DOM`);
		if (shows && !(await showsLiterally(page, shows))) {
			this.problems.push(`${label}: does not show ${JSON.stringify(shows)} as text`);
		}
		this.visited.add(pattern);
	}
}

/** The demo county's ids, and a liaison, a rectification item and an appeal with hostile text. */
async function prepareDemo(request: APIRequestContext, browser: Browser, liaisonPage: Page) {
	const auth = await adminApi(request);
	// The demo county's cycle is the one with this year's resident survey (other tests add cycles,
	// follow-up cycles of the demo county among them).
	const slug = `pingxi-${year}`;
	const rosterSlug = `pingxi-${year}-deputies`;
	const cycles = (
		(await (await request.get('/api/v1/cycles', { headers: auth })).json()) as {
			items: { id: number }[];
		}
	).items;
	let cycleId = 0;
	for (const c of cycles) {
		const r = await request.get(`/api/v1/cycles/${c.id}/surveys`, { headers: auth });
		const surveys = ((await r.json()) as { items: { slug: string }[] }).items;
		if (surveys.some((s) => s.slug === slug)) cycleId = c.id;
	}
	expect(cycleId, `the demo county's cycle (survey ${slug})`).toBeGreaterThan(0);

	// Appeals need published scores: publish some unless another test already did.
	const snaps = (
		(await (
			await request.get(`/api/v1/cycles/${cycleId}/snapshots`, { headers: auth })
		).json()) as {
			items: { status: string }[];
		}
	).items;
	if (!snaps.some((s) => s.status === 'published')) {
		const snap = await request.post(`/api/v1/cycles/${cycleId}/snapshots`, { headers: auth });
		expect(snap.status()).toBe(201);
		const sid = ((await snap.json()) as { id: number }).id;
		const pub = await request.post(`/api/v1/cycles/${cycleId}/snapshots/${sid}/publish`, {
			headers: auth
		});
		expect(pub.status()).toBe(200);
	}

	const liaison = {
		email: `csp-liaison-${Date.now()}@e2e.local`,
		password: `liaison-${randomUUID()}`
	};
	const created = await request.post('/api/v1/users', {
		headers: auth,
		data: { ...liaison, name: '河口镇联络员', role: 'unit_liaison', unitCode: 'TW01' }
	});
	expect(created.status()).toBe(201);

	const rectificationText = `整改说明${HOSTILE}`;
	const item = await request.post('/api/v1/units/TW01/rectifications', {
		headers: auth,
		data: {
			typeCode: 'efficiency',
			description: rectificationText,
			owner: '王主任',
			deadline: `${year}-12-31`,
			cycleId
		}
	});
	expect(item.status(), await item.text()).toBe(201);
	const rid = ((await item.json()) as { id: number }).id;

	// The liaison appeals through the portal form, as a person would.
	await signIn(liaisonPage, liaison.email, liaison.password);
	await expect(liaisonPage).toHaveURL(/\/unit$/);
	await liaisonPage.waitForSelector('body[data-hydrated="true"]');
	const appealText = `申诉理由：${HOSTILE}`;
	await liaisonPage.getByLabel('申诉理由').fill(appealText);
	await liaisonPage.getByRole('button', { name: '提交申诉' }).click();
	await expect(liaisonPage.getByRole('status')).toBeVisible();

	const overview = await browser.newPage();
	await signIn(overview);
	await overview.goto(`/admin/cycles/${cycleId}/rectification`);
	const href = await overview
		.locator('a[href*="/rectification/appeals/"]')
		.first()
		.getAttribute('href');
	await overview.close();
	const aid = /\/appeals\/(\d+)/.exec(href ?? '')?.[1];
	expect(aid, 'the appeal is listed in the rectification overview').toBeTruthy();

	return {
		ids: {
			id: String(cycleId),
			slug,
			rosterSlug,
			unit: 'TW01',
			rid: String(rid),
			aid: aid!,
			rectificationText,
			appealText
		},
		auth
	};
}

test('every page, opened by the role that uses it, runs without a CSP violation', async ({
	browser,
	request
}) => {
	test.setTimeout(300_000);
	const contexts: Record<Role, BrowserContext> = {
		anonymous: await watchedContext(browser),
		admin: await watchedContext(browser),
		liaison: await watchedContext(browser)
	};
	const pages = {} as Record<Role, Page>;
	const sweep = new Sweep();
	for (const role of ['anonymous', 'admin', 'liaison'] as const) {
		pages[role] = await contexts[role].newPage();
		sweep.watch(pages[role]);
	}
	const { ids } = await prepareDemo(request, browser, pages.liaison);
	await signIn(pages.admin);

	const tree = discoverPages(routesDir);
	const visits = visitsOf(ids);
	for (const pattern of tree) {
		for (const v of visits[pattern] ?? [{ as: 'admin' }]) {
			let url: string;
			try {
				url = fill(pattern, { ...ids, ...v.params }) + (v.query ? `?${v.query}` : '');
			} catch (err) {
				sweep.problems.push((err as Error).message);
				continue;
			}
			await sweep.visit(pages[v.as], v.as, pattern, url, v.shows);
		}
	}
	for (const c of Object.values(contexts)) await c.close();

	expect(sweep.problems, 'CSP violations and pages not checked').toEqual([]);
	// Every page of the route tree was opened (a page without a +page.svelte is not a page).
	expect(tree.filter((p) => !sweep.visited.has(p))).toEqual([]);
	expect(sweep.visited.size).toBeGreaterThanOrEqual(25);
});

test('hostile text in names, titles and comments shows as text, in the console and the survey', async ({
	browser,
	request
}) => {
	test.setTimeout(120_000);
	const auth = await adminApi(request);
	const slug = `hostile-${Date.now()}`;
	const doc = surveyCycleDocument(slug, 3);
	const cycleName = `年度${HOSTILE}`;
	const unitName = `单位${HOSTILE}`;
	const title = `问卷${HOSTILE}`;
	const comment = `意见${HOSTILE}`;
	doc.cycle = { name: cycleName, year: 2041 };
	doc.units[0].name = unitName;
	doc.surveys[0].title = title;
	const imported = await request.post('/api/v1/cycles/import', { headers: auth, data: doc });
	expect(imported.status(), await imported.text()).toBe(201);
	const cycleId = ((await imported.json()) as { cycleId: number }).cycleId;
	expect((await request.post(`/api/v1/surveys/${slug}/publish`, { headers: auth })).status()).toBe(
		200
	);

	// A resident's comment. Start tokens must be 8 s old, and answers faster than 1 s per unit + 10 s
	// are held for review (their comments are still stored; waiting keeps the answer ordinary).
	const start = (
		(await (await request.get(`/api/v1/public/surveys/${slug}`)).json()) as { start: Start }
	).start;
	await new Promise((r) => setTimeout(r, 13_500));
	const units = doc.units.map((u) => u.code);
	const submitted = await request.post(`/api/v1/public/surveys/${slug}/responses`, {
		data: {
			submissionId: randomUUID(),
			startToken: start.token,
			altcha: await solvePow(start.challenge),
			group: 'residents',
			area: 'A1-01',
			ratings: Object.fromEntries(units.map((u) => [u, 'satisfied'])),
			answers: { attention: 'basic' },
			comments: { [units[0]]: comment }
		}
	});
	expect(submitted.status(), await submitted.text()).toBe(201);

	const sweep = new Sweep();
	const admin = await (await watchedContext(browser)).newPage();
	const anonymous = await (await watchedContext(browser)).newPage();
	sweep.watch(admin);
	sweep.watch(anonymous);
	await signIn(admin);
	const c = `/admin/cycles/${cycleId}`;
	const checks: [Page, Role, string, string][] = [
		[admin, 'admin', '/admin/cycles', cycleName],
		[admin, 'admin', c, cycleName],
		[admin, 'admin', `${c}/units`, unitName],
		[admin, 'admin', `${c}/surveys`, title],
		[admin, 'admin', `${c}/comments`, comment],
		[admin, 'admin', `/unit?unit=${units[0]}`, unitName],
		[anonymous, 'anonymous', `/s/${slug}`, title],
		[anonymous, 'anonymous', `/s/${slug}`, unitName],
		[anonymous, 'anonymous', `/s/${slug}/thanks`, title]
	];
	for (const [page, who, url, text] of checks) await sweep.visit(page, who, url, url, text);
	await admin.context().close();
	await anonymous.context().close();
	expect(sweep.problems).toEqual([]);
});
