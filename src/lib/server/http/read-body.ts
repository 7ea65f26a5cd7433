import type { z } from 'zod';
import { DomainError, ValidationError } from '../errors';
import { zodFieldErrors } from './problem';
import { parseStrictJson, StrictJsonError } from './strict-json';

export const DEFAULT_JSON_LIMIT = 256 * 1024;

/**
 * Reads a JSON body with a size limit, a content-type check and a zod schema: 413, 415 and 400
 * with the offending fields, never a 500. Invalid UTF-8 is refused rather than silently replaced.
 */
export async function readJson<S extends z.ZodType>(
	request: Request,
	schema: S,
	maxBytes = DEFAULT_JSON_LIMIT
): Promise<z.infer<S>> {
	const type = request.headers.get('content-type') ?? '';
	if (!/^application\/(.+\+)?json\b/i.test(type.trim())) {
		throw new DomainError(415, 'unsupported_media_type', 'expected application/json');
	}
	const raw = await readLimited(request, maxBytes);
	let text: string;
	try {
		text = new TextDecoder('utf-8', { fatal: true }).decode(raw);
	} catch {
		throw new ValidationError('invalid_utf8', [{ path: '(body)', message: 'invalid_utf8' }]);
	}
	let value: unknown;
	try {
		value = parseStrictJson(text);
	} catch (err) {
		const why = err instanceof StrictJsonError ? err.message.split(' at ')[0] : 'malformed_json';
		const message =
			why.startsWith('duplicate_key') || why === 'too_deep' || why === 'forbidden_key'
				? why
				: 'malformed_json';
		throw new ValidationError('malformed_json', [{ path: '(body)', message }]);
	}
	// PostgreSQL stores no NUL character (text or jsonb): refuse "\u0000" here, not with a 500.
	if (containsNul(value)) {
		throw new ValidationError('nul_not_allowed', [{ path: '(body)', message: 'nul_not_allowed' }]);
	}
	const parsed = schema.safeParse(value);
	if (!parsed.success) throw new ValidationError('invalid_input', zodFieldErrors(parsed.error));
	return parsed.data;
}

function containsNul(value: unknown): boolean {
	if (typeof value === 'string') return value.includes('\0');
	if (Array.isArray(value)) return value.some(containsNul);
	if (value && typeof value === 'object') {
		return Object.entries(value).some(([k, v]) => k.includes('\0') || containsNul(v));
	}
	return false;
}

export async function readLimited(request: Request, maxBytes: number): Promise<Uint8Array> {
	const declared = Number(request.headers.get('content-length') ?? '0');
	if (declared > maxBytes) {
		// Read and drop the body (adapter-node caps it at BODY_SIZE_LIMIT): answering while the
		// client is still sending would reset the connection instead of delivering the 413.
		await drain(request);
		throw new DomainError(413, 'payload_too_large', `limit ${maxBytes} bytes`);
	}
	if (!request.body) return new Uint8Array();
	const reader = request.body.getReader();
	const chunks: Uint8Array[] = [];
	let total = 0;
	for (;;) {
		let next: ReadableStreamReadResult<Uint8Array>;
		try {
			next = await reader.read();
		} catch (err) {
			// adapter-node errors the stream past its BODY_SIZE_LIMIT (SvelteKitError, status 413).
			const status = (err as { status?: unknown } | null)?.status;
			if (status === 413) throw new DomainError(413, 'payload_too_large', 'body too large');
			throw new ValidationError('unreadable_body', [
				{ path: '(body)', message: 'unreadable_body' }
			]);
		}
		const { done, value } = next;
		if (done) break;
		total += value.byteLength;
		if (total > maxBytes) {
			// Keep reading (and dropping) so the client receives the 413 instead of a reset.
			try {
				for (;;) {
					if ((await reader.read()).done) break;
				}
			} catch {
				// the adapter's own limit ended the stream
			}
			throw new DomainError(413, 'payload_too_large', `limit ${maxBytes} bytes`);
		}
		chunks.push(value);
	}
	const out = new Uint8Array(total);
	let offset = 0;
	for (const c of chunks) {
		out.set(c, offset);
		offset += c.byteLength;
	}
	return out;
}

async function drain(request: Request): Promise<void> {
	if (!request.body) return;
	const reader = request.body.getReader();
	try {
		for (;;) {
			const { done } = await reader.read();
			if (done) return;
		}
	} catch {
		// The adapter ended the stream (over its own limit): nothing more to read.
	}
}
