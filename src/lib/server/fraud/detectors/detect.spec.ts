import { describe, expect, it } from 'vitest';
import { prng } from '$lib/scoring/testing/prng';
import { defaultRuleSet } from '$lib/schemas/rule-set';
import { detect, type DetectorRow } from './detect';
import { gammaP, poissonUpperTail, shareZ } from '../stats';

/**
 * A unit-level picture of the burst detector: 6 units, 4 areas, a week of steady honest traffic
 * (about 30 an hour), then one of: a campaign for unit 0, a county-wide push, a village meeting,
 * a smear against unit 1.
 */
const UNITS = 6;
const HOUR = 3_600_000;
const T0 = Date.parse('2031-03-01T00:00:00Z');
let seq = 0;

function honestRows(
	seed: number,
	from: number,
	hours: number,
	perHour: number,
	area?: string
): DetectorRow[] {
	const r = prng(seed);
	const out: DetectorRow[] = [];
	for (let i = 0; i < hours * perHour; i++) {
		const a = area ?? `A${r.int(0, 3)}`;
		const pattern = Array.from({ length: UNITS }, (_, u) => {
			if (r.next() < 0.4) return '0';
			// Unit-specific satisfaction: about 55 % top box, 10 % bottom box.
			const x = r.next();
			return String(x < 0.55 ? 1 : x < 0.8 ? 2 : x < 0.9 ? 3 : 4 + 0 * u);
		}).join('');
		out.push(row(from + r.next() * hours * HOUR, pattern, a, 150_000 * (0.7 + r.next())));
	}
	return out;
}

function row(
	at: number,
	pattern: string,
	areaCode: string | null,
	durationMs: number
): DetectorRow {
	return {
		id: ++seq,
		receivedAt: Math.round(at),
		pattern,
		areaCode,
		counted: true,
		excluded: false,
		durationMs,
		prefixHash: null,
		networkType: 'mobile',
		texts: []
	};
}

function run(rows: DetectorRow[]) {
	rows.sort((a, b) => a.receivedAt - b.receivedAt);
	return detect({
		rules: defaultRuleSet,
		units: UNITS,
		topLevel: 1,
		bottomLevel: 4,
		speedMedianMs: 150_000,
		rows,
		applyFrom: -Infinity
	});
}

const week = () => honestRows(1, T0, 7 * 24, 30);
const burstsFor = (out: ReturnType<typeof run>, unit: number) =>
	out.alerts.filter((a) => a.detector === 'burst' && a.unitIndex === unit);

describe('statistics', () => {
	it('computes the Poisson upper tail', () => {
		expect(poissonUpperTail(0, 3)).toBe(1);
		expect(poissonUpperTail(1, 2)).toBeCloseTo(1 - Math.exp(-2), 10);
		expect(poissonUpperTail(5, 2)).toBeCloseTo(0.052653, 5);
		expect(poissonUpperTail(60, 20)).toBeLessThan(1e-6);
		expect(poissonUpperTail(40, 30)).toBeGreaterThan(0.01);
		expect(gammaP(3, 0)).toBe(0);
		expect(shareZ(0, 0, 0.5)).toBe(0);
	});
});

describe('burst detector', () => {
	it('stays quiet on steady honest traffic', () => {
		const out = run(week());
		expect(out.alerts.filter((a) => a.detector === 'burst')).toEqual([]);
		expect(out.weights.size).toBe(0);
	});

	it('alerts on a campaign for one unit and weighs its window down to E/O', () => {
		const rows = week();
		const start = T0 + 5 * 24 * HOUR + 12 * HOUR;
		const campaign: DetectorRow[] = [];
		for (let i = 0; i < 150; i++) {
			// Half copy a template (everything top), half praise the target and vary the rest; some fast.
			const varied = `1${i
				.toString(3)
				.padStart(UNITS - 1, '0')
				.replace(/1/g, '3')}`;
			const pattern = i % 2 ? '111111' : varied;
			campaign.push(row(start + (i / 150) * 1.5 * HOUR, pattern, 'A1', i % 3 ? 140_000 : 50_000));
		}
		const out = run([...rows, ...campaign]);
		const alerts = burstsFor(out, 0);
		expect(alerts.length).toBeGreaterThan(0);
		const a = alerts[0];
		expect(a.observed).toBeGreaterThanOrEqual(2 * a.expected);
		expect(a.evidence.direction).toBe('top');
		for (const c of campaign) {
			const w = out.weights.get(c.id)?.get(0);
			expect(w).toBeDefined();
			expect(w!).toBeLessThan(0.5);
			expect(out.codes.get(c.id)?.has('burst.member')).toBe(true);
		}
		// The template copies and the fast ones go to quarantine; the weight applies to unit 0 only.
		const template = campaign.find((c) => c.pattern === '111111')!;
		expect(out.codes.get(template.id)?.has('burst.template')).toBe(true);
		const fast = campaign.find((c) => c.pattern !== '111111' && c.durationMs === 50_000)!;
		expect(out.codes.get(fast.id)?.has('burst.fast')).toBe(true);
		const plain = campaign.find((c) => c.pattern !== '111111' && c.durationMs === 140_000)!;
		expect(out.codes.get(plain.id)?.has('burst.template')).toBeFalsy();
		expect(out.codes.get(plain.id)?.has('burst.fast')).toBeFalsy();
	});

	it('takes the excess out of the shifted level only, so the window keeps its honest share', () => {
		const rows = week();
		const start = T0 + 5 * 24 * HOUR + 12 * HOUR;
		const campaign = Array.from({ length: 150 }, (_, i) =>
			row(start + (i / 150) * 1.5 * HOUR, `1${'0'.repeat(UNITS - 1)}`, 'A1', 140_000)
		);
		const out = run([...rows, ...campaign]);
		const a = burstsFor(out, 0).sort((x, y) => y.observed - x.observed)[0];
		expect(a).toBeDefined();
		const inWindow = [...rows, ...campaign].filter(
			(r) => r.receivedAt >= a.windowStart && r.receivedAt < a.windowEnd && r.pattern[0] !== '0'
		);
		const weightOf = (r: DetectorRow) => out.weights.get(r.id)?.get(0) ?? 1;
		// Honest answers below the top box are not the excess: they keep their weight.
		const below = inWindow.filter((r) => r.pattern[0] !== '1');
		expect(below.length).toBeGreaterThan(0);
		for (const r of below) expect(weightOf(r)).toBeGreaterThan(0.9);
		// The top box counts about as often as an honest window of E answers would hold it.
		const top = inWindow.filter((r) => r.pattern[0] === '1');
		const weightedTop = top.reduce((x, r) => x + weightOf(r), 0);
		const expectedTop = a.expected * Number(a.evidence.baselineTopShare);
		expect(weightedTop).toBeLessThanOrEqual(expectedTop * 1.05);
		expect(weightedTop).toBeGreaterThan(expectedTop * 0.6);
		// With the whole window at E/O the campaign's top-box share would have stayed.
		const share = weightedTop / (weightedTop + below.reduce((x, r) => x + weightOf(r), 0));
		expect(share).toBeLessThan(Number(a.evidence.baselineTopShare) + 0.1);
		expect(Number(a.evidence.windowTopShare)).toBeGreaterThan(share + 0.2);
	});

	it('finds copies of an alerted template answering most units, before and after the window', () => {
		const rows = week();
		const start = T0 + 5 * 24 * HOUR + 12 * HOUR;
		const wave = Array.from({ length: 120 }, (_, i) =>
			row(start + (i / 120) * HOUR, '111111', 'A1', 140_000)
		);
		const straggler = row(start + 20 * HOUR, '111111', 'A2', 160_000);
		const out = run([...rows, ...wave, straggler]);
		expect(out.codes.get(straggler.id)?.has('template.copy')).toBe(true);
	});

	it('alerts on a smear (bottom box) against another unit', () => {
		const rows = week();
		const start = T0 + 6 * 24 * HOUR + 10 * HOUR;
		const smear = Array.from({ length: 90 }, (_, i) =>
			row(start + (i / 90) * HOUR, `04${'0'.repeat(UNITS - 2)}`, null, 120_000)
		);
		const out = run([...rows, ...smear]);
		const alerts = burstsFor(out, 1);
		expect(alerts.length).toBeGreaterThan(0);
		expect(alerts[0].evidence.direction).toBe('bottom');
	});

	it('does not alert on a county-wide push (everyone, three times the volume)', () => {
		const rows = week();
		const push = honestRows(7, T0 + 4 * 24 * HOUR + 9 * HOUR, 3, 90);
		const out = run([...rows, ...push]);
		expect(out.alerts.filter((a) => a.detector === 'burst')).toEqual([]);
	});

	it('does not alert on a village meeting answering as that village always does', () => {
		// Area A3 is a happy village: 85 % top box every day, and 200 of its people meet.
		const rows = week().filter((r) => r.areaCode !== 'A3');
		const r = prng(11);
		const happy = (from: number, hours: number, n: number) =>
			Array.from({ length: n }, () =>
				row(
					from + r.next() * hours * HOUR,
					`${r.next() < 0.85 ? 1 : 2}${'0'.repeat(UNITS - 1)}`,
					'A3',
					150_000
				)
			);
		const daily = happy(T0, 7 * 24, 7 * 24 * 8);
		const meeting = happy(T0 + 5 * 24 * HOUR + 14 * HOUR, 1, 200);
		const out = run([...rows, ...daily, ...meeting]);
		expect(burstsFor(out, 0)).toEqual([]);
	});
});

describe('other detectors', () => {
	it('finds template clusters that are rare outside their hour', () => {
		const rows = week();
		const at = T0 + 3 * 24 * HOUR + 2 * HOUR;
		const cluster = Array.from({ length: 6 }, (_, i) =>
			row(at + i * 60_000, '132413', 'A0', 90_000)
		);
		const out = run([...rows, ...cluster]);
		expect(
			out.alerts.some((a) => a.detector === 'template' && a.evidence.pattern === '132413')
		).toBe(true);
		for (const c of cluster) expect(out.codes.get(c.id)?.has('template.cluster')).toBe(true);
	});

	it('marks many answers per hour from one narrow network, never from a mobile one', () => {
		const at = T0 + 2 * 24 * HOUR;
		const office = Array.from({ length: 40 }, (_, i) => ({
			...row(at + i * 60_000, '120000', 'A0', 150_000),
			prefixHash: 'office',
			networkType: 'broadband'
		}));
		const cgnat = Array.from({ length: 40 }, (_, i) => ({
			...row(at + i * 60_000, '120000', 'A0', 150_000),
			prefixHash: 'carrier',
			networkType: 'mobile'
		}));
		const out = run([...week(), ...office, ...cgnat]);
		expect(office.every((o) => out.codes.get(o.id)?.has('prefix.volume'))).toBe(true);
		expect(cgnat.some((o) => out.codes.get(o.id)?.has('prefix.volume'))).toBe(false);
	});

	it('marks the same comment from several submissions close together', () => {
		const at = T0 + 2 * 24 * HOUR;
		const same = Array.from({ length: 5 }, (_, i) => ({
			...row(at + i * 10 * 60_000, '120000', 'A0', 150_000),
			texts: ['工作认真负责，群众满意！']
		}));
		const apart = Array.from({ length: 5 }, (_, i) => ({
			...row(at + i * 24 * HOUR, '120000', 'A0', 150_000),
			texts: ['希望多关心老年人']
		}));
		const out = run([...week(), ...same, ...apart]);
		expect(same.every((o) => out.codes.get(o.id)?.has('text.duplicate'))).toBe(true);
		expect(apart.some((o) => out.codes.get(o.id)?.has('text.duplicate'))).toBe(false);
	});

	it('copes with odd rows (empty patterns, all don’t-know, nothing counted)', () => {
		const odd = [
			row(T0, '', null, 0),
			row(T0 + 1, '000000', 'A0', 1),
			{ ...row(T0 + 2, '9999999999', 'A0', 1), counted: false },
			{ ...row(T0 + 3, '1', null, 1), texts: ['😀'.repeat(1000)] }
		];
		expect(() => run(odd)).not.toThrow();
		expect(run([]).alerts).toEqual([]);
	});
});

describe('off-hours clusters in the detector run', () => {
	it('gives the night members of an office network answering at night one point of evidence', () => {
		const rows = week();
		// 03:00 county time (UTC+8) on day 3: twelve submissions from one government-office prefix.
		const night = T0 + 2 * 24 * HOUR + 19 * HOUR;
		const office = Array.from({ length: 12 }, (_, i) => ({
			...row(night + i * 5 * 60_000, `1${String(i % 10)}0000`, 'A1', 140_000),
			prefixHash: 'office',
			networkType: 'gov_edu'
		}));
		const out = run([...rows, ...office]);
		for (const r of office) expect(out.codes.get(r.id)?.has('offhours.cluster')).toBe(true);
		for (const r of rows) expect(out.codes.get(r.id)?.has('offhours.cluster')).toBeFalsy();
	});
});
