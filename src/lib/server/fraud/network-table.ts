import { readFileSync } from 'node:fs';
import { env } from '../env';
import { logger } from '../logger';
import bundledCsv from './network-default.csv?raw';

/**
 * IP address → network facts (DESIGN.md §7): a CSV with the header
 * `cidr,asn,asn_type,carrier,province,city,scope`, loaded once from NETWORK_TABLE (or the bundled
 * list of large cloud providers) and matched by longest prefix, IPv4 and IPv6. Only the derived type
 * and scope are stored with a submission, never the address.
 */

export const asnTypes = [
	'mobile',
	'broadband',
	'broadband_cgnat',
	'cloud',
	'resi_proxy',
	'gov_edu'
] as const;
export type AsnType = (typeof asnTypes)[number];
export const networkScopes = ['county', 'province', 'other'] as const;
export type NetworkScope = (typeof networkScopes)[number];

export interface NetworkFacts {
	asn: number | null;
	asnType: AsnType;
	carrier: string;
	province: string;
	city: string;
	scope: NetworkScope;
}

export const NETWORK_HEADER = 'cidr,asn,asn_type,carrier,province,city,scope';

type Parsed =
	{ version: 4; bits: number; value: number } | { version: 6; bits: number; value: bigint };

/** An IPv4 address as an unsigned 32-bit number, or null. */
export function parseIpv4(s: string): number | null {
	const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(s);
	if (!m) return null;
	let v = 0;
	for (let i = 1; i <= 4; i++) {
		const o = Number(m[i]);
		if (o > 255) return null;
		v = v * 256 + o;
	}
	return v;
}

/** An IPv6 address as a 128-bit bigint (embedded IPv4 tails allowed), or null. */
export function parseIpv6(s: string): bigint | null {
	let a = s.trim().toLowerCase();
	const zone = a.indexOf('%');
	if (zone >= 0) a = a.slice(0, zone);
	if (!a.includes(':') || !/^[0-9a-f:.]+$/.test(a)) return null;
	const tail4 = /(\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3})$/.exec(a);
	if (tail4) {
		const v4 = parseIpv4(tail4[1]);
		if (v4 === null) return null;
		a = a.slice(0, -tail4[1].length) + `${(v4 >>> 16).toString(16)}:${(v4 & 0xffff).toString(16)}`;
	}
	const halves = a.split('::');
	if (halves.length > 2) return null;
	const left = halves[0] ? halves[0].split(':') : [];
	const right = halves.length === 2 && halves[1] ? halves[1].split(':') : [];
	const missing = 8 - left.length - right.length;
	if (halves.length === 1 ? left.length !== 8 : missing < 1) return null;
	const groups = [...left, ...Array<string>(halves.length === 2 ? missing : 0).fill('0'), ...right];
	let v = 0n;
	for (const g of groups) {
		if (!/^[0-9a-f]{1,4}$/.test(g)) return null;
		v = (v << 16n) | BigInt(parseInt(g, 16));
	}
	return v;
}

/** An address in either family; IPv4-mapped IPv6 addresses count as IPv4. */
export function parseAddress(s: string): Parsed | null {
	const t = s.trim();
	const v4 = parseIpv4(t);
	if (v4 !== null) return { version: 4, bits: 32, value: v4 };
	const v6 = parseIpv6(t);
	if (v6 === null) return null;
	if (v6 >> 32n === 0xffffn) return { version: 4, bits: 32, value: Number(v6 & 0xffffffffn) };
	return { version: 6, bits: 128, value: v6 };
}

function v4Key(value: number, len: number): number {
	return len === 0 ? 0 : Math.floor(value / 2 ** (32 - len));
}
function v6Key(value: bigint, len: number): bigint {
	return value >> BigInt(128 - len);
}

export class NetworkTable {
	private v4 = new Map<number, Map<number, NetworkFacts>>();
	private v6 = new Map<number, Map<bigint, NetworkFacts>>();
	private v4Lengths: number[] = [];
	private v6Lengths: number[] = [];
	size = 0;

	add(cidr: string, facts: NetworkFacts): boolean {
		const [addr, lenText, extra] = cidr.trim().split('/');
		if (extra !== undefined) return false;
		const p = parseAddress(addr ?? '');
		if (!p) return false;
		const len = lenText === undefined ? p.bits : Number(lenText);
		if (
			!Number.isInteger(len) ||
			len < 0 ||
			len > (p.version === 4 && !addr.includes(':') ? 32 : 128)
		) {
			return false;
		}
		if (p.version === 4) {
			// An IPv4-mapped IPv6 prefix (::ffff:a.b.c.d/120) is an IPv4 prefix 96 bits shorter.
			const l4 = addr.includes(':') ? len - 96 : len;
			if (l4 < 0 || l4 > 32) return false;
			let m = this.v4.get(l4);
			if (!m) {
				this.v4.set(l4, (m = new Map()));
				this.v4Lengths = [...this.v4.keys()].sort((a, b) => b - a);
			}
			m.set(v4Key(p.value, l4), facts);
		} else {
			let m = this.v6.get(len);
			if (!m) {
				this.v6.set(len, (m = new Map()));
				this.v6Lengths = [...this.v6.keys()].sort((a, b) => b - a);
			}
			m.set(v6Key(p.value, len), facts);
		}
		this.size++;
		return true;
	}

	/** The most specific entry covering the address, or null (unknown networks are not evidence). */
	lookup(address: string): NetworkFacts | null {
		const p = parseAddress(address);
		if (!p) return null;
		if (p.version === 4) {
			for (const len of this.v4Lengths) {
				const hit = this.v4.get(len)!.get(v4Key(p.value, len));
				if (hit) return hit;
			}
			return null;
		}
		for (const len of this.v6Lengths) {
			const hit = this.v6.get(len)!.get(v6Key(p.value, len));
			if (hit) return hit;
		}
		return null;
	}
}

export interface NetworkTableError {
	line: number;
	message: string;
}

/**
 * Parses the CSV. Blank lines and lines starting with `#` are skipped; bad lines are reported and
 * left out rather than failing the whole table (a typo must not switch every check off).
 */
export function parseNetworkTable(text: string): {
	table: NetworkTable;
	errors: NetworkTableError[];
} {
	const table = new NetworkTable();
	const errors: NetworkTableError[] = [];
	const lines = text.replace(/^\uFEFF/, '').split(/\r?\n/);
	let headerSeen = false;
	lines.forEach((raw, i) => {
		const line = raw.trim();
		if (!line || line.startsWith('#')) return;
		if (!headerSeen) {
			headerSeen = true;
			if (line.replace(/\s+/g, '').toLowerCase() !== NETWORK_HEADER) {
				errors.push({ line: i + 1, message: `header must be ${NETWORK_HEADER}` });
			}
			return;
		}
		const cells = line.split(',').map((c) => c.trim().replace(/^"(.*)"$/, '$1'));
		if (cells.length !== 7) {
			errors.push({ line: i + 1, message: 'expected 7 columns' });
			return;
		}
		const [cidr, asn, type, carrier, province, city, scope] = cells;
		if (!(asnTypes as readonly string[]).includes(type)) {
			errors.push({ line: i + 1, message: `unknown asn_type ${type.slice(0, 30)}` });
			return;
		}
		if (!(networkScopes as readonly string[]).includes(scope)) {
			errors.push({ line: i + 1, message: `unknown scope ${scope.slice(0, 30)}` });
			return;
		}
		const asnNumber = asn === '' ? null : Number(asn.replace(/^AS/i, ''));
		const ok = table.add(cidr, {
			asn: asnNumber !== null && Number.isInteger(asnNumber) ? asnNumber : null,
			asnType: type as AsnType,
			carrier,
			province,
			city,
			scope: scope as NetworkScope
		});
		if (!ok) errors.push({ line: i + 1, message: 'invalid cidr' });
	});
	if (!headerSeen) errors.push({ line: 1, message: `header must be ${NETWORK_HEADER}` });
	return { table, errors };
}

let loaded: NetworkTable | undefined;

/** The process's table: NETWORK_TABLE if set (falling back to the bundled list if unreadable). */
export function networkTable(): NetworkTable {
	if (loaded) return loaded;
	const file = env().NETWORK_TABLE;
	let text = bundledCsv;
	let source = 'bundled';
	if (file) {
		try {
			text = readFileSync(file, 'utf8');
			source = 'NETWORK_TABLE';
		} catch (err) {
			logger.error({ err: String(err) }, 'NETWORK_TABLE unreadable; using the bundled cloud list');
		}
	}
	const { table, errors } = parseNetworkTable(text);
	if (errors.length) {
		logger.warn(
			{ source, errors: errors.slice(0, 20), count: errors.length },
			'network table lines skipped'
		);
	}
	logger.info({ source, entries: table.size }, 'network table loaded');
	loaded = table;
	return table;
}

/** For tests and the simulator: use this table instead of the configured one. */
export function setNetworkTable(table: NetworkTable | undefined): void {
	loaded = table;
}

export function lookupNetwork(address: string): NetworkFacts | null {
	if (!address || address === 'unknown') return null;
	return networkTable().lookup(address);
}
