/**
 * What an evidence upload really is, from its first bytes (magic numbers), never from the name or
 * the type the browser claims. Allowed: PDF, JPEG, PNG, and Word/Excel documents (DOCX/XLSX, which
 * are ZIP files with a known layout). Everything else is refused: executables (MZ, ELF, Mach-O),
 * scripts and markup (#!, <script, <html, <svg), archives that are not Office documents, and Office
 * files with macros (vbaProject.bin). Pure, so it is tested on bytes alone.
 */

export interface EvidenceType {
	mime: string;
	/** Extensions a file of this type may carry. */
	extensions: string[];
	label: string;
}

export const EVIDENCE_TYPES = {
	pdf: { mime: 'application/pdf', extensions: ['pdf'], label: 'PDF' },
	jpeg: { mime: 'image/jpeg', extensions: ['jpg', 'jpeg'], label: 'JPEG' },
	png: { mime: 'image/png', extensions: ['png'], label: 'PNG' },
	docx: {
		mime: 'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
		extensions: ['docx'],
		label: 'DOCX'
	},
	xlsx: {
		mime: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
		extensions: ['xlsx'],
		label: 'XLSX'
	}
} satisfies Record<string, EvidenceType>;

export type EvidenceKind = keyof typeof EVIDENCE_TYPES;

function startsWith(bytes: Uint8Array, sig: number[], offset = 0): boolean {
	if (bytes.length < offset + sig.length) return false;
	return sig.every((b, i) => bytes[offset + i] === b);
}

/** Latin-1 view of (a part of) the bytes, for searching ZIP entry names. */
function ascii(bytes: Uint8Array): string {
	let s = '';
	const step = 8192;
	for (let i = 0; i < bytes.length; i += step) {
		s += String.fromCharCode(...bytes.subarray(i, Math.min(bytes.length, i + step)));
	}
	return s;
}

/**
 * The kind of file, or null when it is not one of the allowed kinds. For a ZIP the entry names
 * (stored uncompressed in the local headers and the central directory) tell DOCX from XLSX.
 */
export function sniffEvidence(bytes: Uint8Array): EvidenceKind | null {
	if (startsWith(bytes, [0x25, 0x50, 0x44, 0x46, 0x2d])) return 'pdf'; // %PDF-
	if (startsWith(bytes, [0xff, 0xd8, 0xff])) return 'jpeg';
	if (startsWith(bytes, [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])) return 'png';
	if (startsWith(bytes, [0x50, 0x4b, 0x03, 0x04])) {
		const names = ascii(bytes);
		if (!names.includes('[Content_Types].xml')) return null;
		// Macro-enabled documents (.docm/.xlsm saved as .docx) carry VBA code.
		if (names.includes('vbaProject.bin')) return null;
		const word = names.includes('word/document.xml');
		const excel = names.includes('xl/workbook.xml');
		if (word && !excel) return 'docx';
		if (excel && !word) return 'xlsx';
		return null;
	}
	return null;
}

/** Why a file is refused, for a clear message: an executable or script is named as such. */
export function refusalReason(bytes: Uint8Array): 'executable' | 'unsupported_type' {
	if (startsWith(bytes, [0x4d, 0x5a])) return 'executable'; // MZ: Windows .exe/.dll
	if (startsWith(bytes, [0x7f, 0x45, 0x4c, 0x46])) return 'executable'; // ELF
	if (
		startsWith(bytes, [0xcf, 0xfa, 0xed, 0xfe]) ||
		startsWith(bytes, [0xfe, 0xed, 0xfa, 0xcf]) ||
		startsWith(bytes, [0xca, 0xfe, 0xba, 0xbe])
	) {
		return 'executable'; // Mach-O, Java class
	}
	if (startsWith(bytes, [0x23, 0x21])) return 'executable'; // #! script
	const head = ascii(bytes.subarray(0, 512)).trimStart().toLowerCase();
	if (/^(<script|<html|<!doctype|<svg|<\?php|<\?xml[^>]*>\s*<svg)/.test(head)) return 'executable';
	return 'unsupported_type';
}

/** The extension of a file name, lower-case, without the dot ('' when none). */
export function extensionOf(filename: string): string {
	const m = /\.([A-Za-z0-9]{1,10})$/.exec(filename);
	return m ? m[1].toLowerCase() : '';
}

/**
 * A file name safe to store and to send back in Content-Disposition: no directories, no control
 * characters, no leading dots, at most 120 characters (the extension kept).
 */
export function cleanFilename(name: string, kind: EvidenceKind): string {
	const base = name.split(/[\\/]/).pop() ?? '';
	let clean = base
		// eslint-disable-next-line no-control-regex -- control characters are exactly what is removed
		.replace(/[\u0000-\u001f\u007f"<>|:*?]/g, '')
		.replace(/^\.+/, '')
		.trim();
	const ext = EVIDENCE_TYPES[kind].extensions[0];
	if (!clean) clean = `evidence.${ext}`;
	if (clean.length > 120) {
		const e = extensionOf(clean);
		clean = clean.slice(0, 110) + (e ? `.${e}` : '');
	}
	return clean;
}
