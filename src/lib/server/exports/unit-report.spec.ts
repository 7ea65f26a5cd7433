import { describe, expect, it } from 'vitest';
import { renderUnitReport } from './unit-report';
import type { UnitDetail } from '../scoring/unit-detail';
import { findCjkFont } from './cjk-font';

const item = {
	unit: 'TW01',
	unitName: '河口镇',
	category: 'township',
	categoryName: '乡镇',
	score: 82.0343,
	scoreUnadjusted: 89.6874,
	satisfactionRate: 0.9,
	dkShare: 0.05,
	nSubmitted: 200,
	nExcluded: 3,
	excluded: { quarantined: 2, excluded: 1 },
	nValid: 180,
	nDontKnow: 10,
	nEff: 150.2,
	se: 3.3891,
	ci: [75.39, 88.68] as [number, number],
	rankable: true,
	rank: 2,
	rankOf: 9,
	points: 8.2,
	bottom: false,
	flags: [],
	groups: []
};

describe('per-unit report', () => {
	it.runIf(!!findCjkFont())('renders an A4 PDF with the unit’s figures', async () => {
		const detail = {
			unit: {
				code: 'TW01',
				name: '河口镇',
				category: 'township',
				categoryName: '乡镇',
				area: 'TW01'
			},
			computedAt: '2026-11-30T12:00:00.000Z',
			applied: item,
			none: item,
			category: { applied: null, none: null },
			groupLabels: {},
			valueLabels: {},
			areas: [],
			levels: [],
			trend: [],
			exclusions: [{ status: 'quarantined', reason: 'speed.hard', n: 2 }],
			published: null,
			lastCycle: null
		} as unknown as UnitDetail;
		const pdf = await renderUnitReport(
			detail,
			{ total: 3, shown: ['窗口服务态度好，电话 [已隐去]'] },
			'平溪县2026年度'
		);
		expect(pdf.subarray(0, 5).toString()).toBe('%PDF-');
		expect(pdf.length).toBeGreaterThan(5000);
		expect(pdf.toString('latin1')).toMatch(/\/MediaBox \[0 0 595\.28 841\.89\]/);
	});
});
