import type { RequestEvent } from '@sveltejs/kit';

/**
 * The client address as adapter-node resolves it (socket, or ADDRESS_HEADER/XFF_DEPTH counted from
 * the right). With ADDRESS_HEADER set, adapter-node throws when a request lacks that header; that is
 * not the client's fault, so it becomes "unknown" instead of a 500.
 */
export function clientAddress(event: Pick<RequestEvent, 'getClientAddress'>): string {
	try {
		return event.getClientAddress() || 'unknown';
	} catch {
		return 'unknown';
	}
}
