import ExcelJS from 'exceljs';
import { stringify } from 'csv-stringify/sync';
import type { ImportKind } from './bulk-import';

/** Header row (Chinese, as the office uses) and two example rows for each importable table. */
const templates: Record<ImportKind, string[][]> = {
	units: [
		['编码', '名称', '类别', '片区'],
		['TW01', '河口镇', 'township', 'TW01'],
		['D01', '县公安局', 'frontline', '']
	],
	areas: [
		['编码', '名称', '上级', '人口'],
		['TW01', '河口镇', '', '21500'],
		['TW01-01', '河口社区', 'TW01', '5200']
	]
};

export function templateCsv(kind: ImportKind): string {
	return stringify(templates[kind], { bom: true });
}

export async function templateXlsx(kind: ImportKind): Promise<Buffer> {
	const wb = new ExcelJS.Workbook();
	const ws = wb.addWorksheet(kind);
	for (const row of templates[kind]) ws.addRow(row);
	ws.getRow(1).font = { bold: true };
	ws.columns.forEach((c) => (c.width = 16));
	return Buffer.from(await wb.xlsx.writeBuffer());
}
