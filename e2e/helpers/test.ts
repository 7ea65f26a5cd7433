import { appendFileSync } from 'node:fs';
import {
	test as base,
	type APIRequestContext,
	type APIResponse,
	type BrowserContext,
	type Request,
	type Response
} from '@playwright/test';
import { runFiles } from './run-files';

export { expect } from '@playwright/test';

/**
 * Playwright's `test`, recording every secret that crosses the wire in the run's secret list, so
 * that the global teardown (e2e/global-teardown.ts) can check none of them reached the server log.
 *
 * Every e2e file imports `test` from here (the teardown fails if one does not): then a new test's
 * passwords, tokens and codes are recorded without anyone having to remember to list them. What is
 * recorded, for every page, every `browser.newPage()` and every API request context of the test:
 * - what is sent: form and JSON fields that carry a secret (`secretFields`), bearer tokens,
 *   invitation codes in links (`?k=`);
 * - what comes back: cookies, and anything in a page, a form-action result or an API answer shaped
 *   like one of the app's secrets (`shapes`): API tokens, start tokens, one-time passwords,
 *   invitation codes and receipts;
 * - the cookies each browser context holds at the end of the test.
 * `rememberSecret()` adds anything else a test knows to be secret.
 */

/** Form and JSON fields whose values are secrets (the login, password-change and survey forms, the API). */
const secretFields = new Set([
	'password',
	'current',
	'next',
	'confirm',
	'token',
	'startToken',
	'invitationCode',
	'phone',
	'phoneCode',
	'oneTimePassword'
]);

/** The secrets the app hands out, by shape (src/lib/server/auth, responses, invitations). */
const shapes: { kind: string; re: RegExp; group?: number; jsonOnly?: boolean }[] = [
	{ kind: 'API token', re: /pyt_[a-z2-7]+\.[a-z2-7]+/g },
	{ kind: 'start token', re: /v1\.\d+\.\d{13}\.[\w-]{16}\.[\w-]{43}/g },
	{ kind: 'invitation code in a link', re: /[?&]k=([2-9A-HJ-NP-Z]{10})\b/g, group: 1 },
	{ kind: 'invitation code or receipt', re: /\b[2-9A-HJ-NP-Z]{5}-[2-9A-HJ-NP-Z]{5}\b/g },
	// Four groups of four lower-case base32 letters also occur in ordinary page text and class names:
	// only looked for in form-action results and API answers, where the users page gets its password.
	{ kind: 'one-time password', re: /\b[a-z2-7]{4}(?:-[a-z2-7]{4}){3}\b/g, jsonOnly: true }
];

/** Shorter values are too common to mean anything in a log (and no secret of the app is that short). */
const MIN_LENGTH = 6;

export interface RecordedSecret {
	kind: string;
	value: string;
	test: string;
}

/** Adds a value to the run's secret list, for secrets the recording cannot see by itself. */
export function rememberSecret(kind: string, value: string, test = 'rememberSecret') {
	if (value.length < MIN_LENGTH) return;
	const line: RecordedSecret = { kind, value, test };
	appendFileSync(runFiles().secrets, JSON.stringify(line) + '\n');
}

interface SentOptions {
	headers?: Record<string, string>;
	data?: unknown;
	form?: unknown;
	multipart?: unknown;
}
type Send = (url: unknown, options?: SentOptions) => Promise<APIResponse>;
const verbs = ['fetch', 'get', 'post', 'put', 'patch', 'delete', 'head'] as const;

class SecretRecorder {
	private readonly seen = new Set<string>();
	private readonly pending: Promise<unknown>[] = [];
	private readonly contexts = new Set<BrowserContext>();
	private readonly apis = new WeakSet<APIRequestContext>();

	constructor(private readonly test: string) {}

	note(kind: string, value: unknown) {
		if (typeof value !== 'string' || value.length < MIN_LENGTH || this.seen.has(value)) return;
		this.seen.add(value);
		rememberSecret(kind, value, this.test);
	}

	/** Secrets found by shape anywhere in a text. */
	scan(text: string, json: boolean) {
		for (const { kind, re, group, jsonOnly } of shapes) {
			if (jsonOnly && !json) continue;
			for (const m of text.matchAll(re)) this.note(kind, m[group ?? 0]);
		}
	}

	/** Secret fields of an object tree (JSON bodies and API answers). */
	walk(value: unknown, depth = 0) {
		if (depth > 20 || value === null || typeof value !== 'object') return;
		for (const [k, v] of Object.entries(value)) {
			if (secretFields.has(k) && typeof v === 'string') this.note(`field ${k}`, v);
			else this.walk(v, depth + 1);
		}
	}

	/** A request body as sent: JSON, urlencoded or multipart (the enhanced console forms). */
	body(text: string, type: string) {
		this.scan(text, true);
		if (type.includes('json')) {
			try {
				this.walk(JSON.parse(text));
			} catch {
				// Not JSON after all (the hostile-input tests send broken bodies on purpose).
			}
		} else if (type.includes('x-www-form-urlencoded')) {
			for (const [k, v] of new URLSearchParams(text)) {
				if (secretFields.has(k)) this.note(`field ${k}`, v);
			}
		} else if (type.includes('multipart/form-data')) {
			for (const m of text.matchAll(/name="([^"]+)"\r\n\r\n([^\r]*)\r\n/g)) {
				if (secretFields.has(m[1])) this.note(`field ${m[1]}`, m[2]);
			}
		}
	}

	cookies(setCookie: string[]) {
		for (const c of setCookie) {
			const [name, ...rest] = c.split(';')[0].split('=');
			this.note(`cookie ${name.trim()}`, rest.join('=').trim());
		}
	}

	/** Answers worth reading: pages, form-action results and API answers (not scripts, images, files). */
	async answer(headers: { name: string; value: string }[], text: () => Promise<string>) {
		this.cookies(headers.filter((h) => h.name.toLowerCase() === 'set-cookie').map((h) => h.value));
		const type = headers.find((h) => h.name.toLowerCase() === 'content-type')?.value ?? '';
		if (!/json|html|text\/plain/.test(type)) return;
		try {
			this.scan(await text(), type.includes('json'));
		} catch {
			// The body is gone (a redirect, or the page navigated away first): nothing was shown.
		}
	}

	watchContext(context: BrowserContext) {
		if (this.contexts.has(context)) return;
		this.contexts.add(context);
		context.on('request', (r: Request) => {
			this.scan(r.url(), false);
			this.pending.push(
				r.allHeaders().then(
					(h) => {
						const bearer = /^Bearer (.+)$/i.exec(h.authorization ?? '')?.[1];
						if (bearer) this.note('bearer token', bearer);
						const data = r.postData();
						if (data) this.body(data, h['content-type'] ?? '');
					},
					() => undefined
				)
			);
		});
		context.on('response', (r: Response) => {
			// Scripts, styles and images set no cookies and show no secrets.
			if (!['document', 'fetch', 'xhr'].includes(r.request().resourceType())) return;
			this.pending.push(
				r.headersArray().then(
					(h) => this.answer(h, () => r.text()),
					() => undefined
				)
			);
		});
		this.watchApi(context.request);
	}

	/** API request contexts emit no events: their methods are wrapped instead. */
	watchApi(api: APIRequestContext) {
		if (this.apis.has(api)) return;
		this.apis.add(api);
		for (const verb of verbs) {
			const send = api[verb].bind(api) as unknown as Send;
			const wrapped: Send = async (url, options) => {
				if (typeof url === 'string') this.scan(url, false);
				const headers = options?.headers ?? {};
				for (const [k, v] of Object.entries(headers)) {
					if (k.toLowerCase() === 'authorization') {
						this.note('bearer token', v.replace(/^Bearer /i, ''));
					}
				}
				if (typeof options?.data === 'string') this.body(options.data, 'json');
				else this.walk(options?.data);
				this.walk(options?.form);
				this.walk(options?.multipart);
				const res = await send(url, options);
				await this.answer(res.headersArray(), () => res.text());
				return res;
			};
			Object.assign(api, { [verb]: wrapped });
		}
	}

	/** Cookies a context holds (also those set by its API requests), while it is still open. */
	async contextCookies(context: BrowserContext) {
		try {
			for (const c of await context.cookies()) this.note(`cookie ${c.name}`, c.value);
		} catch {
			// Closed by the test already: its cookies were seen as they were set.
		}
	}

	async finish() {
		await Promise.allSettled(this.pending);
		for (const c of this.contexts) await this.contextCookies(c);
	}
}

export const test = base.extend<{ secretRecorder: SecretRecorder }>({
	secretRecorder: [
		async ({ browser }, use, testInfo) => {
			const recorder = new SecretRecorder(testInfo.titlePath.slice(1).join(' › '));
			// Pages a test opens with browser.newPage() get contexts of their own.
			const onContext = (c: BrowserContext) => recorder.watchContext(c);
			browser.on('context', onContext);
			await use(recorder);
			browser.off('context', onContext);
			await recorder.finish();
		},
		{ auto: true }
	],
	context: async ({ context, secretRecorder }, use) => {
		secretRecorder.watchContext(context);
		await use(context);
		// Before Playwright closes it: the session cookies of the test.
		await secretRecorder.contextCookies(context);
	},
	request: async ({ request, secretRecorder }, use) => {
		secretRecorder.watchApi(request);
		await use(request);
	}
});
