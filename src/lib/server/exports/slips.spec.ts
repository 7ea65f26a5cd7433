import { describe, expect, it } from 'vitest';
import { CjkFontMissingError, findCjkFont } from './cjk-font';
import { personalLink, renderSlips } from './slips';

const slips = Array.from({ length: 11 }, (_, i) => ({
	label: `代表${i + 1}`,
	organisation: i % 2 ? '河口镇' : null,
	subgroupLabel: '人大代表',
	code: 'ABCDEFGHJK'
}));

describe('invitation slips', () => {
	it('links to the survey with the code', () => {
		expect(personalLink('https://pingyi.example/', 'dep-2025', 'ABCDEFGHJK')).toBe(
			'https://pingyi.example/s/dep-2025?k=ABCDEFGHJK'
		);
	});

	it.skipIf(!findCjkFont())('prints eight slips to an A4 page', async () => {
		const pdf = await renderSlips({
			heading: '测试县',
			surveyTitle: '两代表一委员评议',
			origin: 'https://pingyi.example',
			slug: 'dep-2025',
			slips,
			closesAt: new Date('2025-11-30T16:00:00Z')
		});
		expect(pdf.subarray(0, 5).toString()).toBe('%PDF-');
		const text = pdf.toString('latin1');
		expect(text.match(/\/Type \/Page\b/g)).toHaveLength(2);
		expect(text).toContain('/MediaBox [0 0 595.28 841.89]');
	});

	it('refuses (503) without a CJK font rather than printing empty boxes', async () => {
		await expect(
			renderSlips({
				heading: '',
				surveyTitle: 't',
				origin: 'https://x',
				slug: 's',
				slips,
				fontCandidates: [{ path: '/nonexistent/font.ttc', family: 'X' }]
			})
		).rejects.toBeInstanceOf(CjkFontMissingError);
	});
});
