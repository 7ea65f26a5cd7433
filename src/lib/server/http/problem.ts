import { isHttpError, isRedirect, json } from '@sveltejs/kit';
import { z } from 'zod';
import { DomainError, type FieldError } from '../errors';
import { logger } from '../logger';
import { isDatabaseUnavailable } from '../db/availability';

const titles: Record<number, string> = {
	400: 'Bad Request',
	401: 'Unauthorized',
	403: 'Forbidden',
	404: 'Not Found',
	405: 'Method Not Allowed',
	409: 'Conflict',
	410: 'Gone',
	413: 'Payload Too Large',
	415: 'Unsupported Media Type',
	422: 'Unprocessable Content',
	429: 'Too Many Requests',
	500: 'Internal Server Error',
	503: 'Service Unavailable'
};

/** An RFC 9457 problem document, as DESIGN.md §12 promises for every API error. */
export function problem(
	status: number,
	detail: string,
	errors?: FieldError[],
	headers: Record<string, string> = {}
): Response {
	return json(
		{
			type: `https://pingyi.invalid/problems/${status}`,
			title: titles[status] ?? 'Error',
			status,
			detail,
			...(errors && errors.length ? { errors } : {})
		},
		{ status, headers: { 'content-type': 'application/problem+json', ...headers } }
	);
}

export function zodFieldErrors(err: z.ZodError): FieldError[] {
	return err.issues.map((i) => ({
		path: i.path.map(String).join('.') || '(body)',
		message: i.message
	}));
}

/** Turns anything thrown by an API handler into a problem response; unexpected errors are logged. */
export function problemFromError(err: unknown, requestId: string): Response {
	if (err instanceof DomainError) {
		const headers: Record<string, string> = {};
		if (err.retryAfter) headers['retry-after'] = String(err.retryAfter);
		return problem(err.status, err.message, err.fields, headers);
	}
	if (isHttpError(err)) return problem(err.status, err.body.message);
	if (err instanceof z.ZodError) return problem(400, 'invalid_input', zodFieldErrors(err));
	if (isDatabaseUnavailable(err)) {
		logger.warn({ requestId }, 'database unavailable');
		return problem(503, 'service_unavailable', undefined, { 'retry-after': '5' });
	}
	logger.error({ requestId, err }, 'unhandled API error');
	return problem(500, `internal_error (request ${requestId})`);
}

type Handler<E> = (event: E) => Promise<Response> | Response;

/** Wraps a +server.ts handler so that every failure becomes problem+json. */
export function api<E extends { locals: App.Locals }>(fn: Handler<E>): Handler<E> {
	return async (event) => {
		try {
			return await fn(event);
		} catch (err) {
			if (isRedirect(err)) throw err;
			return problemFromError(err, event.locals.requestId);
		}
	};
}
