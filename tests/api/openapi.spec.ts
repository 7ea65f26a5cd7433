import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { openApiDocument, operations } from '../../src/lib/server/http/openapi';

/** Every +server.ts under src/routes/api with its exported methods, as OpenAPI paths. */
function apiEndpoints(): { method: string; path: string }[] {
	const root = path.resolve(import.meta.dirname, '../../src/routes');
	const out: { method: string; path: string }[] = [];
	const walk = (dir: string) => {
		for (const name of readdirSync(dir)) {
			const p = path.join(dir, name);
			if (statSync(p).isDirectory()) walk(p);
			else if (name === '+server.ts') {
				const route =
					'/' +
					path
						.relative(root, path.dirname(p))
						.split(path.sep)
						.filter((s) => !/^\(.*\)$/.test(s))
						.map((s) => s.replace(/^\[(\w+)\]$/, '{$1}'))
						.join('/');
				if (!route.startsWith('/api/')) continue;
				const src = readFileSync(p, 'utf8');
				for (const m of src.matchAll(/export const (GET|POST|PATCH|PUT|DELETE)\b/g)) {
					out.push({ method: m[1].toLowerCase(), path: route });
				}
			}
		}
	};
	walk(root);
	return out;
}

describe('OpenAPI description', () => {
	it('covers every /api endpoint in the route tree', () => {
		const documented = new Set(operations.map((o) => `${o.method} ${o.path}`));
		const missing = apiEndpoints()
			.map((e) => `${e.method} ${e.path}`)
			.filter((e) => !documented.has(e));
		expect(missing).toEqual([]);
	});

	it('documents nothing that does not exist', () => {
		const real = new Set(apiEndpoints().map((e) => `${e.method} ${e.path}`));
		expect(operations.map((o) => `${o.method} ${o.path}`).filter((o) => !real.has(o))).toEqual([]);
	});

	it('is OpenAPI 3.1 with request schemas generated from the zod schemas', () => {
		const doc = openApiDocument('http://localhost:3000');
		expect(doc.openapi).toBe('3.1.0');
		const submit = doc.paths['/api/v1/public/surveys/{slug}/responses'].post as {
			requestBody: {
				content: { 'application/json': { schema: { properties: Record<string, unknown> } } };
			};
		};
		const props = submit.requestBody.content['application/json'].schema.properties;
		expect(Object.keys(props)).toEqual(
			expect.arrayContaining(['submissionId', 'startToken', 'ratings', 'group'])
		);
	});
});
