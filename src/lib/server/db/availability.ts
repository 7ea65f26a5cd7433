const unavailableCodes = new Set([
	'ECONNREFUSED',
	'ECONNRESET',
	'ETIMEDOUT',
	'EPIPE',
	'CONNECTION_CLOSED',
	'CONNECTION_ENDED',
	'CONNECTION_DESTROYED',
	'CONNECT_TIMEOUT',
	'57P01', // admin_shutdown
	'57P02', // crash_shutdown
	'57P03', // cannot_connect_now
	'53300' // too_many_connections
]);

/** True when an error means "the database is not reachable right now" (answer 503, not 500). */
export function isDatabaseUnavailable(err: unknown): boolean {
	for (let e: unknown = err, depth = 0; e && depth < 5; depth++) {
		const code = (e as { code?: unknown }).code;
		if (typeof code === 'string' && unavailableCodes.has(code)) return true;
		if (e instanceof Error && /database not connected/.test(e.message)) return true;
		e = (e as { cause?: unknown }).cause;
	}
	return false;
}
