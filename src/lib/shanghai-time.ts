/**
 * `<input type="datetime-local">` values in the county's time: Beijing time is UTC+8 all year (no
 * daylight saving), so the conversion is a fixed offset, the same in every browser and on the server.
 */
const OFFSET_MS = 8 * 3600_000;

/** A date as `YYYY-MM-DDTHH:MM` in Beijing time; '' for none. */
export function toShanghaiLocal(d: Date | string | null | undefined): string {
	if (!d) return '';
	const t = new Date(d).getTime();
	if (Number.isNaN(t)) return '';
	return new Date(t + OFFSET_MS).toISOString().slice(0, 16);
}

/**
 * A `datetime-local` value read as Beijing time: undefined for an empty field, null for something
 * that is not a real date and time (e.g. 2025-02-30T10:00).
 */
export function fromShanghaiLocal(value: string | null | undefined): Date | null | undefined {
	const v = (value ?? '').trim();
	if (!v) return undefined;
	const m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2}))?$/.exec(v);
	if (!m) return null;
	const [y, mo, d, h, mi, s] = m.slice(1).map((x) => Number(x ?? 0));
	const utc = Date.UTC(y, mo - 1, d, h, mi, s);
	const back = new Date(utc);
	// Date.UTC rolls 30 February over into March; a real date reads back unchanged.
	if (back.getUTCFullYear() !== y || back.getUTCMonth() !== mo - 1 || back.getUTCDate() !== d) {
		return null;
	}
	if (h > 23 || mi > 59 || s > 59) return null;
	return new Date(utc - OFFSET_MS);
}
