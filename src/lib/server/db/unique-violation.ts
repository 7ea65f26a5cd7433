/**
 * True when an error is PostgreSQL's unique_violation (23505) on the named constraint, as
 * postgres.js (`constraint_name`) and PGlite (`constraint`) report it, possibly wrapped by drizzle
 * (`cause`).
 */
export function isUniqueViolation(err: unknown, constraint: string): boolean {
	for (let e: unknown = err, depth = 0; e && depth < 5; depth++) {
		const x = e as { code?: unknown; constraint_name?: unknown; constraint?: unknown };
		if (x.code === '23505' && (x.constraint_name ?? x.constraint) === constraint) return true;
		e = (e as { cause?: unknown }).cause;
	}
	return false;
}
