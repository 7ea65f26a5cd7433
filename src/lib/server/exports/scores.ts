import ExcelJS from 'exceljs';
import { stringify } from 'csv-stringify/sync';
import * as m from '$lib/paraglide/messages';
import { formatDateTime } from '$lib/format';
import { flagsText, flagText, noteText, type FlagNames } from '$lib/results/flag-text';
import type { GroupItem, ScoreItem, ScoresDocument } from '$lib/schemas/scores';
import { safeCell, safeRow } from './safe-cell';

/**
 * The scores in the assessment office's layouts (DESIGN.md §12, issue 7): a CSV with a UTF-8 BOM
 * and an XLSX with the unit table, one sheet per group and a method sheet. Texts follow the
 * request's language; every text cell goes through `safeCell`. Figures are not rounded in the
 * XLSX (number formats show two decimals); the CSV carries them to four decimals.
 */

type Cell = string | number | null;

const pct = (x: number | null | undefined) => (x === null || x === undefined ? null : x * 100);
const r4 = (x: number | null | undefined) =>
	x === null || x === undefined || !Number.isFinite(x) ? null : Math.round(x * 1e4) / 1e4;

export function namesOf(doc: ScoresDocument, areas: Record<string, string> = {}): FlagNames {
	return {
		groups: Object.fromEntries(doc.parameters.groups.map((g) => [g.code, g.label])),
		categories: Object.fromEntries(doc.categories.map((c) => [c.category, c.name])),
		units: Object.fromEntries(doc.items.map((i) => [i.unit, i.unitName])),
		areas
	};
}

function unitHeader(): string[] {
	return [
		m.results_col_category(),
		m.results_col_code(),
		m.results_col_unit(),
		m.results_col_score(),
		`${m.results_col_rate()} (%)`,
		m.results_col_ci_lo(),
		m.results_col_ci_hi(),
		m.results_col_se(),
		m.results_col_n_submitted(),
		m.results_col_n_excluded(),
		m.results_col_n_valid(),
		m.results_col_n_eff(),
		`${m.results_col_dk()} (%)`,
		m.results_col_rank(),
		m.results_col_rank_of(),
		m.results_col_points(),
		m.results_col_bottom(),
		m.results_col_flags()
	];
}

function unitRow(i: ScoreItem, names: FlagNames, round: (x: number | null) => Cell): Cell[] {
	return [
		i.categoryName,
		i.unit,
		i.unitName,
		round(i.score),
		round(pct(i.satisfactionRate)),
		round(i.ci?.[0] ?? null),
		round(i.ci?.[1] ?? null),
		round(i.se),
		i.nSubmitted,
		i.nExcluded,
		i.nValid,
		round(i.nEff),
		round(pct(i.dkShare)),
		i.rank,
		i.rankable ? i.rankOf : null,
		round(i.points),
		i.bottom ? m.results_yes() : '',
		flagsText(i.flags, names)
	];
}

/** One row per unit; a cycle without answers still lists every unit, with its flags in words. */
export function scoresCsv(doc: ScoresDocument, names: FlagNames = namesOf(doc)): string {
	const rows: Cell[][] = [unitHeader(), ...doc.items.map((i) => unitRow(i, names, r4))];
	return stringify(
		rows.map((r) => safeRow(r)),
		{ bom: true, record_delimiter: '\r\n' }
	);
}

const numFmt = {
	score: '0.00',
	pct: '0.00',
	int: '0',
	points: '0.00'
};

function sheetName(label: string, taken: Set<string>): string {
	// Excel: at most 31 characters, none of []:*?/\ and unique (case-insensitively).
	const base = label.replace(/[[\]:*?/\\]/g, '_').slice(0, 28) || 'group';
	let name = base;
	for (let k = 2; taken.has(name.toLowerCase()); k++) name = `${base}_${k}`;
	taken.add(name.toLowerCase());
	return name;
}

function snapshotText(doc: ScoresDocument): string {
	if (doc.snapshot.id === null) return m.results_live();
	const status =
		doc.snapshot.status === 'published'
			? m.results_snapshot_status_published()
			: m.results_snapshot_status_live();
	return `${m.results_snapshot_label({ id: doc.snapshot.id })} (${status})`;
}

function exclusionsText(doc: ScoresDocument): string {
	return doc.exclusions === 'applied'
		? m.results_exclusions_applied()
		: m.results_exclusions_none();
}

function pointsModeText(mode: string): string {
	if (mode === 'category_relative') return m.results_points_category_relative();
	if (mode === 'rank_step') return m.results_points_rank_step();
	return m.results_points_proportional();
}

function addTable(
	ws: ExcelJS.Worksheet,
	header: string[],
	rows: Cell[][],
	formats: (string | null)[]
): void {
	const h = ws.addRow(safeRow(header));
	h.font = { bold: true };
	h.alignment = { wrapText: true, vertical: 'middle' };
	for (const r of rows) {
		const row = ws.addRow(safeRow(r));
		formats.forEach((f, c) => {
			if (f) row.getCell(c + 1).numFmt = f;
		});
	}
	ws.views = [{ state: 'frozen', ySplit: h.number, xSplit: 3 }];
}

function groupHeader(): string[] {
	return [
		m.results_col_category(),
		m.results_col_code(),
		m.results_col_unit(),
		m.results_col_score(),
		m.results_col_unadjusted(),
		`${m.results_col_rate()} (%)`,
		m.results_col_ci_lo(),
		m.results_col_ci_hi(),
		m.results_col_se(),
		m.results_col_n_valid(),
		m.results_col_n_eff(),
		`${m.results_col_dk()} (%)`,
		m.results_col_weight(),
		m.results_col_applied_weight(),
		m.results_col_used(),
		m.results_col_minimum(),
		m.results_col_flags()
	];
}

function groupRow(i: ScoreItem, g: GroupItem, names: FlagNames): Cell[] {
	return [
		i.categoryName,
		i.unit,
		i.unitName,
		g.score,
		g.scoreUnadjusted,
		pct(g.rate),
		g.ci?.[0] ?? null,
		g.ci?.[1] ?? null,
		g.se,
		g.nValid,
		g.nEff,
		pct(g.dkShare),
		g.weight,
		g.appliedWeight,
		g.used ? m.results_yes() : m.results_no(),
		g.minimum,
		g.flags.map((f) => flagText(f, names, g.group)).join('；')
	];
}

export async function scoresXlsx(
	doc: ScoresDocument,
	names: FlagNames = namesOf(doc)
): Promise<Buffer> {
	const wb = new ExcelJS.Workbook();
	wb.creator = 'Pingyi';
	wb.created = new Date(doc.computedAt);
	const taken = new Set<string>();

	// Sheet 1: the unit table as the office files it.
	const units = wb.addWorksheet(sheetName(m.results_sheet_units(), taken));
	const header = unitHeader();
	units.addRow([safeCell(m.results_sheet_title({ cycle: doc.cycle.name }))]).font = {
		bold: true,
		size: 14
	};
	units.mergeCells(1, 1, 1, header.length);
	units.addRow([
		safeCell(
			`${m.results_computed_at()}: ${formatDateTime(doc.computedAt)} · ${snapshotText(doc)} · ${exclusionsText(doc)} · ${m.results_config_version()} ${doc.configVersion}`
		)
	]);
	units.mergeCells(2, 1, 2, header.length);
	addTable(
		units,
		header,
		doc.items.map((i) => unitRow(i, names, (x) => x)),
		[
			null,
			null,
			null,
			numFmt.score,
			numFmt.pct,
			numFmt.score,
			numFmt.score,
			numFmt.score,
			numFmt.int,
			numFmt.int,
			numFmt.int,
			numFmt.score,
			numFmt.pct,
			numFmt.int,
			numFmt.int,
			numFmt.points,
			null,
			null
		]
	);
	units.columns.forEach((c, k) => (c.width = k === header.length - 1 ? 60 : k < 3 ? 16 : 11));

	// One sheet per group of the cycle (and any group that has answers but no configuration).
	const groupCodes = [
		...new Set([
			...doc.parameters.groups.map((g) => g.code),
			...doc.items.flatMap((i) => i.groups.map((g) => g.group))
		])
	];
	for (const code of groupCodes) {
		const ws = wb.addWorksheet(sheetName(names.groups?.[code] ?? code, taken));
		const rows = doc.items.flatMap((i) =>
			i.groups.filter((g) => g.group === code).map((g) => groupRow(i, g, names))
		);
		const fmt = [
			null,
			null,
			null,
			numFmt.score,
			numFmt.score,
			numFmt.pct,
			numFmt.score,
			numFmt.score,
			numFmt.score,
			numFmt.int,
			numFmt.score,
			numFmt.pct,
			'0.0000',
			'0.0000',
			null,
			numFmt.score,
			null
		];
		addTable(ws, groupHeader(), rows, fmt);
		ws.columns.forEach((c, k) => (c.width = k === fmt.length - 1 ? 50 : k < 3 ? 16 : 11));
	}

	// The parameters the figures were computed with, so anyone can reproduce them.
	const method = wb.addWorksheet(sheetName(m.results_sheet_method(), taken));
	const p = doc.parameters;
	const c = p.config;
	const yesNo = (b: boolean) => (b ? m.results_yes() : m.results_no());
	const rows: [string, Cell][] = [
		[m.results_param_snapshot(), snapshotText(doc)],
		[m.results_param_computed_at(), formatDateTime(doc.computedAt)],
		[m.results_param_config_version(), p.configVersion],
		[m.results_param_rule_set_version(), p.ruleSetVersion],
		[m.results_param_exclusions(), exclusionsText(doc)],
		[m.results_param_points_mode(), pointsModeText(p.pointsMode)],
		[m.results_param_full_points(), p.fullPoints],
		[m.results_param_satisfied(), c.satisfiedThreshold],
		[m.results_param_confidence(), c.confidenceLevel],
		[m.results_param_post_strat(), yesNo(c.postStratification.enabled)],
		[m.results_param_min_stratum(), c.postStratification.minStratumSize],
		[m.results_param_weight_cap(), c.postStratification.weightCap],
		[m.results_param_weight_floor(), c.postStratification.weightFloor],
		[m.results_param_rank_groups(), c.rankable.minGroups],
		[m.results_param_rank_valid(), c.rankable.minValid],
		[m.results_param_roster_share(), c.rosterMinShare],
		[m.results_param_rank_decimals(), c.rankDecimals],
		[m.results_param_relative_base(), c.categoryRelativeBase],
		[m.results_param_rank_step(), c.rankStep]
	];
	method.addRow(safeRow([m.results_col_parameter(), m.results_col_setting()])).font = {
		bold: true
	};
	for (const r of rows) method.addRow(safeRow(r));
	method.addRow([]);
	method.addRow([safeCell(m.results_param_weights())]).font = { bold: true };
	const groupList = p.groups.map((g) => g.code);
	method.addRow(safeRow([m.results_col_category(), ...p.groups.map((g) => g.label)])).font = {
		bold: true
	};
	for (const k of p.categories) {
		method.addRow(safeRow([k.name, ...groupList.map((g) => k.weights[g] ?? 0)]));
	}
	method.addRow([]);
	method.addRow([safeCell(m.results_param_minimums())]).font = { bold: true };
	for (const g of p.groups) method.addRow(safeRow([g.label, g.minValid]));
	if (doc.notes.length || doc.flags.length) {
		method.addRow([]);
		method.addRow([safeCell(m.results_notes_title())]).font = { bold: true };
		for (const n of doc.notes) method.addRow([safeCell(noteText(n, names))]);
		for (const f of doc.flags) method.addRow([safeCell(flagText(f, names))]);
	}
	method.getColumn(1).width = 36;
	method.getColumn(2).width = 28;

	return Buffer.from(await wb.xlsx.writeBuffer());
}

/** `pingyi-scores-2025-live.csv`, `pingyi-scores-2025-s12.xlsx`. */
export function scoresFilename(doc: ScoresDocument, ext: 'csv' | 'xlsx'): string {
	const which = doc.snapshot.id === null ? 'live' : `s${doc.snapshot.id}`;
	const excl = doc.exclusions === 'none' ? '-all' : '';
	return `pingyi-scores-${doc.cycle.year}-${which}${excl}.${ext}`;
}
