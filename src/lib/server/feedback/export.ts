import ExcelJS from 'exceljs';
import * as m from '$lib/paraglide/messages';
import { formatDateTime } from '$lib/format';
import { safeCell, safeRow } from '../exports/safe-cell';
import type { RectificationOverview, StatusCounts } from './rectifications';
import { sourceText, statusText } from '$lib/feedback/labels';

/**
 * The office's rectification workbook: every item, then counts per unit and per problem type.
 * Every text cell goes through `safeCell` (item texts come from units and residents, DESIGN.md §9).
 */
export async function rectificationXlsx(
	cycleName: string,
	overview: RectificationOverview,
	now: Date = new Date()
): Promise<Buffer> {
	const wb = new ExcelJS.Workbook();
	wb.creator = 'Pingyi';
	wb.created = now;

	const items = wb.addWorksheet(m.fb_sheet_items());
	items.addRow([safeCell(m.fb_sheet_title({ cycle: cycleName }))]).font = { bold: true, size: 14 };
	items.addRow([safeCell(`${m.fb_exported_at()}: ${formatDateTime(now)}`)]);
	const header = [
		m.fb_col_id(),
		m.fb_col_unit_code(),
		m.fb_col_unit(),
		m.fb_col_type(),
		m.fb_col_source(),
		m.fb_col_description(),
		m.fb_col_owner(),
		m.fb_col_plan(),
		m.fb_col_deadline(),
		m.fb_col_status(),
		m.fb_col_overdue(),
		m.fb_col_evidence(),
		m.fb_col_created_by(),
		m.fb_col_created_at(),
		m.fb_col_done_at(),
		m.fb_col_verified_at(),
		m.fb_col_verified_by(),
		m.fb_col_carried_from()
	];
	items.addRow(safeRow(header)).font = { bold: true };
	for (const i of overview.items) {
		items.addRow(
			safeRow([
				i.id,
				i.unitCode,
				i.unitName,
				i.typeName,
				sourceText(i.source),
				i.description,
				i.owner,
				i.plan,
				i.deadline,
				statusText(i.status),
				i.overdue ? m.fb_yes() : '',
				i.evidenceCount,
				i.createdBy,
				formatDateTime(i.createdAt),
				formatDateTime(i.doneAt),
				formatDateTime(i.verifiedAt),
				i.verifiedBy ?? '',
				i.carriedFromId ?? ''
			])
		);
	}
	items.columns.forEach((c, k) => {
		c.width = [6, 10, 18, 14, 10, 40, 12, 40, 12, 10, 6, 8, 20, 17, 17, 17, 20, 8][k] ?? 12;
	});

	const countHeader = [
		m.fb_col_total(),
		statusText('open'),
		statusText('in_progress'),
		statusText('done'),
		statusText('verified'),
		m.fb_status_overdue(),
		m.fb_col_solved_rate(),
		m.fb_col_done_rate()
	];
	const counts = (c: StatusCounts) => [
		c.total,
		c.open,
		c.in_progress,
		c.done,
		c.verified,
		c.overdue,
		c.solvedRate,
		c.doneRate
	];
	const pctCols = [countHeader.length - 1, countHeader.length];

	const byUnit = wb.addWorksheet(m.fb_sheet_by_unit());
	byUnit.addRow(safeRow([m.fb_col_unit_code(), m.fb_col_unit(), ...countHeader])).font = {
		bold: true
	};
	for (const u of overview.byUnit) byUnit.addRow(safeRow([u.unitCode, u.unitName, ...counts(u)]));
	byUnit.addRow(safeRow(['', m.fb_col_total(), ...counts(overview.totals)])).font = { bold: true };
	for (const k of pctCols) byUnit.getColumn(k + 2).numFmt = '0.0%';
	byUnit.getColumn(2).width = 20;

	const byType = wb.addWorksheet(m.fb_sheet_by_type());
	byType.addRow(safeRow([m.fb_col_type_code(), m.fb_col_type(), ...countHeader])).font = {
		bold: true
	};
	for (const t of overview.byType) byType.addRow(safeRow([t.typeCode, t.typeName, ...counts(t)]));
	for (const k of pctCols) byType.getColumn(k + 2).numFmt = '0.0%';
	byType.getColumn(2).width = 20;

	return Buffer.from(await wb.xlsx.writeBuffer());
}

/** `pingyi-rectification-2026.xlsx` */
export function rectificationFilename(year: number): string {
	return `pingyi-rectification-${year}.xlsx`;
}
