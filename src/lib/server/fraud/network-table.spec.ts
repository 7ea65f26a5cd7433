import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseAddress, parseIpv6, parseNetworkTable } from './network-table';

const csv = `cidr,asn,asn_type,carrier,province,city,scope
# comment
112.10.0.0/16,9808,mobile,cm,本省,本市,county
112.10.5.0/24,4134,broadband,ct,本省,本县,county
112.10.5.7/32,4134,gov_edu,ct,本省,本县,county
2409:8000::/32,9808,mobile,cm,本省,本市,county
2409:8000:1:2::/64,9808,broadband,cm,本省,本县,county
0.0.0.0/0,,broadband,,,,other
`;

describe('network table', () => {
	const { table, errors } = parseNetworkTable(csv);

	it('parses the header, entries and comments', () => {
		expect(errors).toEqual([]);
		expect(table.size).toBe(6);
	});

	it('matches the longest prefix, IPv4 and IPv6', () => {
		expect(table.lookup('112.10.5.7')?.asnType).toBe('gov_edu');
		expect(table.lookup('112.10.5.8')?.asnType).toBe('broadband');
		expect(table.lookup('112.10.6.1')?.asnType).toBe('mobile');
		expect(table.lookup('8.8.8.8')?.scope).toBe('other');
		expect(table.lookup('2409:8000:1:2::99')?.asnType).toBe('broadband');
		expect(table.lookup('2409:8000:ffff::1')?.asnType).toBe('mobile');
		expect(table.lookup('2001:db8::1')).toBeNull();
	});

	it('treats IPv4-mapped IPv6 addresses as IPv4', () => {
		expect(table.lookup('::ffff:112.10.5.7')?.asnType).toBe('gov_edu');
	});

	it('never throws on addresses that are not addresses', () => {
		for (const bad of [
			'',
			'unknown',
			'1.2.3',
			'300.1.1.1',
			':::',
			'abcd',
			'1:2:3:4:5:6:7:8:9',
			'😀'
		]) {
			expect(() => table.lookup(bad)).not.toThrow();
		}
		expect(table.lookup('300.1.1.1')).toBeNull();
		expect(parseIpv6('1::2::3')).toBeNull();
		expect(parseAddress('2409:8000:0:0:0:0:0:1')?.version).toBe(6);
	});

	it('reports bad lines and keeps the good ones', () => {
		const r = parseNetworkTable(`cidr,asn,asn_type,carrier,province,city,scope
1.2.3.0/24,1,satellite,x,,,county
1.2.3.0/33,1,mobile,x,,,county
1.2.3.0/24,1,mobile,x,,,nowhere
1.2.4.0/24,1,mobile,x,,
5.6.7.0/24,1,cloud,x,,,other`);
		expect(r.errors.map((e) => e.line)).toEqual([2, 3, 4, 5]);
		expect(r.table.lookup('5.6.7.8')?.asnType).toBe('cloud');
		expect(parseNetworkTable('no header').errors.length).toBeGreaterThan(0);
	});

	it('bundles a default list of cloud networks that parses cleanly', () => {
		const text = readFileSync(path.resolve(import.meta.dirname, 'network-default.csv'), 'utf8');
		const bundled = parseNetworkTable(text);
		expect(bundled.errors).toEqual([]);
		expect(bundled.table.lookup('47.96.1.2')?.asnType).toBe('cloud');
		expect(bundled.table.lookup('2600:1f00::1')?.asnType).toBe('cloud');
		expect(bundled.table.lookup('112.10.0.1')).toBeNull();
	});
});
