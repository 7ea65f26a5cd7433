import { error } from '@sveltejs/kit';
import { consoleReaders, requireRole } from '$lib/server/auth/guards';
import { templateCsv, templateXlsx } from '$lib/server/cycles/import-templates';
import type { RequestHandler } from './$types';

/** `units.csv`, `units.xlsx`, `areas.csv`, `areas.xlsx`. */
export const GET: RequestHandler = async ({ locals, params }) => {
	requireRole(locals, ...consoleReaders);
	const match = /^(units|areas)\.(csv|xlsx)$/.exec(params.file);
	if (!match) error(404, 'not_found');
	const [, kind, ext] = match as unknown as [string, 'units' | 'areas', 'csv' | 'xlsx'];
	const body = ext === 'csv' ? templateCsv(kind) : new Uint8Array(await templateXlsx(kind));
	return new Response(body, {
		headers: {
			'content-type':
				ext === 'csv'
					? 'text/csv; charset=utf-8'
					: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
			'content-disposition': `attachment; filename="${kind}-template.${ext}"`
		}
	});
};
