import { error } from '@sveltejs/kit';
import { DomainError } from '../errors';

/**
 * Loads of the portal and the console turn a domain 403/404 into SvelteKit's error page with the
 * same neutral message whatever the reason (another unit's item looks exactly like a missing one).
 */
export async function orHttpError<T>(fn: () => Promise<T>): Promise<T> {
	try {
		return await fn();
	} catch (err) {
		if (err instanceof DomainError && err.status === 404) error(404, 'not_found');
		if (err instanceof DomainError && err.status === 403) error(403, 'forbidden');
		throw err;
	}
}

/** A positive integer id from a route or query parameter, or NaN (services answer 404 for it). */
export function idParam(value: string | null | undefined): number {
	return value && /^[1-9][0-9]{0,9}$/.test(value) ? Number(value) : Number.NaN;
}

/** RFC 6266 / 5987: an ASCII fallback name and the real (Chinese) name percent-encoded. */
export function contentDisposition(filename: string): string {
	const ascii = filename.replace(/[^\x20-\x7e]/g, '_').replace(/["\\]/g, '_');
	return `attachment; filename="${ascii}"; filename*=UTF-8''${encodeURIComponent(filename)}`;
}
