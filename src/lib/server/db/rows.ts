/**
 * `db.execute()` returns an array of rows under postgres.js and `{ rows }` under PGlite;
 * this gives the rows either way.
 */
export function rowsOf<T>(result: unknown): T[] {
	if (Array.isArray(result)) return result as T[];
	const rows = (result as { rows?: unknown }).rows;
	return Array.isArray(rows) ? (rows as T[]) : [];
}

/** A PostgreSQL array literal of integers (numbers only, so no quoting is needed). */
export function intArray(values: readonly (number | null)[]): string {
	return `{${values.map((v) => (v === null ? 'NULL' : String(Math.trunc(v)))).join(',')}}`;
}

/** A PostgreSQL array literal of simple codes ([A-Za-z0-9_.:-] only). */
export function codeArray(values: readonly string[]): string {
	for (const v of values) {
		if (!/^[A-Za-z0-9_.:-]+$/.test(v)) throw new Error(`not a code: ${v}`);
	}
	return `{${values.join(',')}}`;
}
