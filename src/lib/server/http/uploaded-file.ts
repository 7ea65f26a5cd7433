import { fail } from '@sveltejs/kit';
import { MAX_IMPORT_BYTES } from '../imports/spreadsheet';

/** The uploaded file of a multipart form, or a form failure saying what is wrong with it. */
export async function uploadedFile(request: Request, field = 'file') {
	const data = await request.formData();
	const file = data.get(field);
	if (!(file instanceof File) || file.size === 0) {
		return {
			failure: fail(400, {
				form: 'import',
				errors: { file: ['empty_file'] },
				message: 'empty_file'
			})
		};
	}
	if (file.size > MAX_IMPORT_BYTES) {
		return {
			failure: fail(413, {
				form: 'import',
				errors: { file: ['file_too_large'] },
				message: 'file_too_large'
			})
		};
	}
	return { name: file.name, bytes: new Uint8Array(await file.arrayBuffer()) };
}
