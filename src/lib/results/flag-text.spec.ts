import { describe, expect, it } from 'vitest';
import { computeScores } from '$lib/scoring';
import { flagText, flagsText, noteText } from './flag-text';

/** Every flag code listed in docs/methodology.md §11, in the forms the core emits. */
const documented = [
	'no_answers',
	'all_dont_know',
	'high_dk_share',
	'group_no_data:deputies',
	'group_below_minimum:deputies',
	'weights_renormalised',
	'score_from_groups_below_minimum',
	'group_not_weighted:deputies',
	'single_answer:deputies',
	'se_unavailable',
	'se_unavailable:deputies',
	'variance_pooled:residents',
	'strata_collapsed:residents',
	'weights_trimmed:residents',
	'unknown_area:residents',
	'outside_unit_area:residents',
	'no_population:A',
	'roster_exceeded:deputies',
	'zero_weight:deputies',
	'invalid_weight:deputies',
	'invalid_cells_ignored',
	'unknown_category:x',
	'not_rankable:no_score',
	'not_rankable:too_few_groups',
	'not_rankable:too_few_answers',
	'bottom',
	'bottom_not_significant',
	'unknown_unit:U9',
	'duplicate_unit:U1'
];

const names = {
	groups: { deputies: '两代表一委员', residents: '群众' },
	areas: { A: '甲村' },
	units: { U9: '九号单位' }
};

describe('flagText', () => {
	it('has words for every documented flag', () => {
		for (const f of documented) {
			const text = flagText(f, names);
			expect(text, f).not.toContain('其他标记');
			expect(text, f).not.toBe('');
		}
	});

	it('names the group, area or unit a flag is about', () => {
		expect(flagText('group_below_minimum:deputies', names)).toContain('两代表一委员');
		expect(flagText('no_population:A', names)).toContain('甲村');
		expect(flagText('unknown_unit:U9', names)).toContain('九号单位');
		// Group results carry codes without the suffix; the caller names the group.
		expect(flagText('single_answer', names, 'residents')).toContain('群众');
	});

	it('shows an unknown code rather than hiding it', () => {
		expect(flagText('brand_new_flag:x')).toContain('brand_new_flag:x');
		expect(noteText('something_else')).toContain('something_else');
	});

	it('covers what the core emits on awkward input', () => {
		const r = computeScores({
			cells: [
				{ unit: 'u1', group: 'residents', area: 'nowhere', value: 80, n: 1 },
				{ unit: 'u2', group: 'residents', area: null, value: null, n: 3 },
				{ unit: 'ghost', group: 'residents', area: null, value: 60, n: 2 }
			],
			units: [
				{ code: 'u1', category: 'k' },
				{ code: 'u2', category: 'k' },
				{ code: 'u3', category: 'missing' }
			],
			categories: [{ code: 'k', weights: { residents: 0.6, deputies: 0.4 } }]
		});
		const all = [...r.flags, ...r.units.flatMap((u) => u.flags)];
		expect(all.length).toBeGreaterThan(5);
		for (const f of all) expect(flagText(f), f).not.toContain('其他标记');
		expect(flagsText(['bottom', 'no_answers'])).toContain('；');
	});
});
