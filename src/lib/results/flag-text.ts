import * as m from '$lib/paraglide/messages';

/**
 * Words for the scoring core's flag codes (docs/methodology.md §11) and the scoring service's
 * notes, shared by the console and the exports. Flags carry their group, area, category or unit
 * after a colon (`group_below_minimum:deputies`); group results carry the same codes without it.
 * An unknown code is shown as it is rather than dropped.
 */

export interface FlagNames {
	/** Group code → label (e.g. residents → 群众). */
	groups?: Record<string, string>;
	/** Area code → name. */
	areas?: Record<string, string>;
	units?: Record<string, string>;
	categories?: Record<string, string>;
}

type Text = (arg: string, names: FlagNames) => string;

const g = (arg: string, names: FlagNames) => names.groups?.[arg] ?? arg;
const a = (arg: string, names: FlagNames) =>
	names.areas?.[arg] ? `${names.areas[arg]}（${arg}）` : arg;
const u = (arg: string, names: FlagNames) => names.units?.[arg] ?? arg;

const flags: Record<string, Text> = {
	no_answers: () => m.results_flag_no_answers(),
	no_data: () => m.results_flag_no_data(),
	all_dont_know: () => m.results_flag_all_dont_know(),
	high_dk_share: () => m.results_flag_high_dk_share(),
	group_no_data: (x, n) => m.results_flag_group_no_data({ group: g(x, n) }),
	group_below_minimum: (x, n) => m.results_flag_group_below_minimum({ group: g(x, n) }),
	group_not_weighted: (x, n) => m.results_flag_group_not_weighted({ group: g(x, n) }),
	weights_renormalised: () => m.results_flag_weights_renormalised(),
	score_from_groups_below_minimum: () => m.results_flag_score_from_groups_below_minimum(),
	se_unavailable: (x, n) =>
		x ? m.results_flag_se_unavailable_group({ group: g(x, n) }) : m.results_flag_se_unavailable(),
	single_answer: (x, n) => m.results_flag_single_answer({ group: g(x, n) }),
	variance_pooled: (x, n) => m.results_flag_variance_pooled({ group: g(x, n) }),
	strata_collapsed: (x, n) => m.results_flag_strata_collapsed({ group: g(x, n) }),
	weights_trimmed: (x, n) => m.results_flag_weights_trimmed({ group: g(x, n) }),
	unknown_area: (x, n) => m.results_flag_unknown_area({ group: g(x, n) }),
	outside_unit_area: (x, n) => m.results_flag_outside_unit_area({ group: g(x, n) }),
	no_population: (x, n) => m.results_flag_no_population({ area: a(x, n) }),
	roster_exceeded: (x, n) => m.results_flag_roster_exceeded({ group: g(x, n) }),
	zero_weight: (x, n) => m.results_flag_zero_weight({ group: g(x, n) }),
	invalid_weight: (x, n) => m.results_flag_invalid_weight({ group: g(x, n) }),
	invalid_cells_ignored: () => m.results_flag_invalid_cells_ignored(),
	unknown_category: (x, n) => m.results_flag_unknown_category({ category: n.categories?.[x] ?? x }),
	bottom: () => m.results_flag_bottom(),
	bottom_not_significant: () => m.results_flag_bottom_not_significant(),
	unknown_unit: (x, n) => m.results_flag_unknown_unit({ unit: u(x, n) }),
	duplicate_unit: (x, n) => m.results_flag_duplicate_unit({ unit: u(x, n) })
};

const notRankable: Record<string, () => string> = {
	no_score: () => m.results_flag_not_rankable_no_score(),
	too_few_groups: () => m.results_flag_not_rankable_too_few_groups(),
	too_few_answers: () => m.results_flag_not_rankable_too_few_answers()
};

function split(code: string): [string, string] {
	const i = code.indexOf(':');
	return i < 0 ? [code, ''] : [code.slice(0, i), code.slice(i + 1)];
}

/**
 * One flag in words. `group` names the group of a group-level flag (group results carry codes
 * without the `:group` suffix).
 */
export function flagText(code: string, names: FlagNames = {}, group?: string): string {
	const [base, arg] = split(code);
	if (base === 'not_rankable') return notRankable[arg]?.() ?? m.results_flag_other({ code });
	const text = flags[base];
	if (!text) return m.results_flag_other({ code });
	return text(arg || group || '', names);
}

/** Several flags in words, joined for a table cell or a spreadsheet column. */
export function flagsText(codes: readonly string[], names: FlagNames = {}, sep = '；'): string {
	return codes.map((c) => flagText(c, names)).join(sep);
}

/** A note of the scoring service (what is missing) in words. */
export function noteText(code: string, names: FlagNames = {}): string {
	const [base, arg] = split(code);
	switch (base) {
		case 'no_units':
			return m.results_note_no_units();
		case 'no_surveys':
			return m.results_note_no_surveys();
		case 'no_answers_in_cycle':
			return m.results_note_no_answers_in_cycle();
		case 'units_without_answers':
			return m.results_note_units_without_answers({ count: arg });
		case 'group_without_survey':
			return m.results_note_group_without_survey({ group: g(arg, names) });
		case 'no_population':
			return m.results_note_no_population({ area: a(arg, names) });
		default:
			return m.results_note_other({ code });
	}
}
