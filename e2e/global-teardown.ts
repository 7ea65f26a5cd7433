import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { isIP } from 'node:net';
import path from 'node:path';
import { ADMIN, runFiles } from './helpers/run-files';
import type { RecordedSecret } from './helpers/test';

/**
 * No secret in the logs (DESIGN.md §9), checked on the log of a whole e2e run: the server ran at
 * LOG_LEVEL=info with its output in the run's server log (e2e/serve.js), and every test recorded the
 * secrets it typed, received or was shown (e2e/helpers/test.ts). None of them may appear in the
 * log, and no log field may hold a raw client address (DESIGN.md §7).
 *
 * A global teardown, so that it runs after every test of every project, whatever the file order and
 * even when some tests failed; Playwright runs it before it stops the web server. Throwing here fails
 * the run.
 */

const MAX_REPORTED = 20;

interface Secret {
	kind: string;
	test: string;
	/** The value and the other forms it could take in a log line. */
	forms: string[];
}

function formsOf(value: string): string[] {
	const forms = new Set([value, encodeURIComponent(value)]);
	// Tokens are `<id>.<secret>` (API tokens, sessions, start tokens): the secret part alone leaks too.
	for (const part of value.split('.')) if (part.length >= 16) forms.add(part);
	// Invitation codes are typed and stored without the hyphen they are shown with.
	if (/^[2-9A-HJ-NP-Z]{5}-[2-9A-HJ-NP-Z]{5}$/.test(value)) forms.add(value.replace('-', ''));
	return [...forms];
}

function readSecrets(file: string): Secret[] {
	const byValue = new Map<string, Secret>();
	const add = (s: RecordedSecret) => {
		if (!byValue.has(s.value)) {
			byValue.set(s.value, { kind: s.kind, test: s.test, forms: formsOf(s.value) });
		}
	};
	add({ kind: 'admin password', value: ADMIN.password, test: 'playwright.config.ts' });
	if (existsSync(file)) {
		for (const line of readFileSync(file, 'utf8').split('\n')) {
			if (line.trim()) add(JSON.parse(line) as RecordedSecret);
		}
	}
	return [...byValue.values()];
}

/** A log line fit to print: every secret in it replaced by its kind, and not too long. */
function redact(line: string, secrets: Secret[]): string {
	let out = line;
	for (const s of secrets) {
		for (const f of [...s.forms].sort((a, b) => b.length - a.length)) {
			out = out.split(f).join(`[${s.kind}]`);
		}
	}
	return out.length > 400 ? `${out.slice(0, 400)}…` : out;
}

/** Fields of a JSON log line that hold a bare IP address, or that are named like one and not redacted. */
function addressFields(value: unknown, at = ''): string[] {
	if (typeof value === 'string') {
		const bare = value.replace(/^::ffff:/, '');
		return isIP(bare) ? [at || '(line)'] : [];
	}
	if (value === null || typeof value !== 'object') return [];
	return Object.entries(value).flatMap(([k, v]) => {
		const where = at ? `${at}.${k}` : k;
		if (/^(ip|clientIp|clientAddress|remoteAddress|x-forwarded-for|x-real-ip)$/i.test(k)) {
			return v === '[redacted]' ? [] : [where];
		}
		return addressFields(v, where);
	});
}

/** The recording only covers tests that use e2e/helpers/test.ts. */
function filesNotRecording(dir: string): string[] {
	return readdirSync(dir)
		.filter((f) => f.endsWith('.e2e.ts'))
		.filter((f) => !/from '\.\/helpers\/test'/.test(readFileSync(path.join(dir, f), 'utf8')));
}

export default function auditServerLog() {
	const files = runFiles();
	const problems: string[] = [];

	const unrecorded = filesNotRecording(import.meta.dirname);
	if (unrecorded.length) {
		problems.push(
			`these e2e files do not import \`test\` from './helpers/test', so their secrets are not ` +
				`recorded: ${unrecorded.join(', ')}`
		);
	}

	if (!existsSync(files.serverLog)) {
		throw new Error(
			`log audit: no server log at ${files.serverLog} (is e2e/serve.js the web server?)`
		);
	}
	const lines = readFileSync(files.serverLog, 'utf8').split('\n');
	const requests = lines.filter((l) => l.includes('"msg":"request"')).length;
	if (requests === 0) {
		problems.push(
			`the server log has no request lines: run the e2e server at LOG_LEVEL=info, or there is nothing to check`
		);
	}
	const secrets = readSecrets(files.secrets);

	const leaks: string[] = [];
	const addresses: string[] = [];
	lines.forEach((line, i) => {
		const found = secrets.filter((s) => s.forms.some((f) => line.includes(f)));
		for (const s of found) {
			leaks.push(`server.log:${i + 1}: ${s.kind} (from "${s.test}"): ${redact(line, secrets)}`);
		}
		let parsed: unknown;
		try {
			parsed = JSON.parse(line);
		} catch {
			parsed = undefined;
		}
		if (parsed !== undefined) {
			const fields = addressFields(parsed);
			if (fields.length) {
				addresses.push(`server.log:${i + 1}: ${fields.join(', ')}: ${redact(line, secrets)}`);
			}
		} else if (/\b\d{1,3}(\.\d{1,3}){3}\b/.test(line.replace(/\b\w+:\/\/\S+/g, ''))) {
			// Plain lines (adapter-node's "Listening on http://127.0.0.1:…") may name the server's own URL.
			addresses.push(`server.log:${i + 1}: ${redact(line, secrets)}`);
		}
	});
	const list = (items: string[]) =>
		items
			.slice(0, MAX_REPORTED)
			.map((l) => `  ${l}`)
			.join('\n') +
		(items.length > MAX_REPORTED ? `\n  … and ${items.length - MAX_REPORTED} more` : '');
	if (leaks.length) problems.push(`secrets in the server log (${leaks.length}):\n${list(leaks)}`);
	if (addresses.length) {
		problems.push(`raw IP addresses in the server log (${addresses.length}):\n${list(addresses)}`);
	}

	if (problems.length) {
		throw new Error(`log audit of ${files.serverLog} failed:\n${problems.join('\n')}`);
	}
	const kinds = [...new Set(secrets.map((s) => s.kind))].sort().join(', ');
	console.log(
		`log audit: ${lines.length} lines (${requests} requests) free of ${secrets.length} secrets (${kinds}) and raw IP addresses`
	);
}
