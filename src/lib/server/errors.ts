/**
 * Domain errors carry an HTTP status; routes map them to problem+json or form failures.
 * `fields` lists input paths with messages for 400s.
 */
export class DomainError extends Error {
	constructor(
		readonly status: number,
		readonly code: string,
		message: string,
		readonly fields?: FieldError[],
		readonly retryAfter?: number
	) {
		super(message);
	}
}

export interface FieldError {
	path: string;
	message: string;
}

export class ValidationError extends DomainError {
	constructor(message: string, fields: FieldError[]) {
		super(400, 'validation', message, fields);
	}
}
export class NotFoundError extends DomainError {
	constructor(message: string) {
		super(404, 'not_found', message);
	}
}
export class ForbiddenError extends DomainError {
	constructor(message: string) {
		super(403, 'forbidden', message);
	}
}
export class UnauthorizedError extends DomainError {
	constructor(message: string) {
		super(401, 'unauthorized', message);
	}
}
export class ConflictError extends DomainError {
	constructor(message: string, fields?: FieldError[]) {
		super(409, 'conflict', message, fields);
	}
}
export class TooManyRequestsError extends DomainError {
	constructor(message: string, retryAfter: number) {
		super(429, 'rate_limited', message, undefined, retryAfter);
	}
}
export class ReadOnlyError extends DomainError {
	constructor(message: string) {
		super(409, 'read_only', message);
	}
}
