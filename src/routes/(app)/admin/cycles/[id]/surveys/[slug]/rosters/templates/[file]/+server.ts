import { error } from '@sveltejs/kit';
import ExcelJS from 'exceljs';
import { requireRole } from '$lib/server/auth/guards';
import type { RequestHandler } from './$types';

const header = ['姓名', '类别', '手机', '单位'];
const example = ['张三', '人大代表', '13800138000', '河口镇'];

/** `roster.csv` (UTF-8 with BOM, so Excel reads the Chinese) or `roster.xlsx`. */
export const GET: RequestHandler = async ({ locals, params }) => {
	requireRole(locals, 'admin', 'viewer');
	if (params.file === 'roster.csv') {
		const body = `\uFEFF${header.join(',')}\r\n${example.join(',')}\r\n`;
		return new Response(body, {
			headers: {
				'content-type': 'text/csv; charset=utf-8',
				'content-disposition': 'attachment; filename="roster-template.csv"'
			}
		});
	}
	if (params.file !== 'roster.xlsx') error(404, 'not_found');
	const wb = new ExcelJS.Workbook();
	const ws = wb.addWorksheet('roster');
	ws.addRow(header);
	ws.addRow(example);
	// Phone numbers as text: Excel would otherwise show 1.38E+10.
	ws.getColumn(3).numFmt = '@';
	ws.columns.forEach((c) => (c.width = 16));
	return new Response(new Uint8Array(await wb.xlsx.writeBuffer()), {
		headers: {
			'content-type': 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
			'content-disposition': 'attachment; filename="roster-template.xlsx"'
		}
	});
};
