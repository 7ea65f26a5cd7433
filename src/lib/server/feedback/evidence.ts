import { createHash, randomBytes } from 'node:crypto';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { and, asc, count, eq } from 'drizzle-orm';
import type { DbOrTx } from '../db/client';
import { evidenceFile, rectificationEvent, type EvidenceFile } from '../db/schema/feedback';
import { appendAudit, type Actor } from '../audit/audit-log';
import { ConflictError, DomainError, NotFoundError, ValidationError } from '../errors';
import { env } from '../env';
import {
	cleanFilename,
	EVIDENCE_TYPES,
	extensionOf,
	refusalReason,
	sniffEvidence
} from './evidence-type';
import { getRectification } from './rectifications';

/** At most this many files per item: evidence, not a document store. */
export const MAX_FILES_PER_ITEM = 20;

export function maxEvidenceBytes(): number {
	return env().EVIDENCE_MAX_BYTES;
}

export type EvidenceSummary = Omit<EvidenceFile, 'data' | 'path'>;

const summary = {
	id: evidenceFile.id,
	rectificationId: evidenceFile.rectificationId,
	filename: evidenceFile.filename,
	mime: evidenceFile.mime,
	size: evidenceFile.size,
	sha256: evidenceFile.sha256,
	uploadedBy: evidenceFile.uploadedBy,
	uploadedById: evidenceFile.uploadedById,
	createdAt: evidenceFile.createdAt
};

function fileError(status: number, code: string): DomainError {
	return status === 400
		? new ValidationError(code, [{ path: 'file', message: code }])
		: new DomainError(status, code, code, [{ path: 'file', message: code }]);
}

/**
 * Checks a file the way every upload path (form action, API) must: not empty, not too large, one
 * of the allowed kinds by its bytes, and an extension that matches what it is (so "x.pdf.exe" or a
 * PNG named "report.pdf" are refused rather than stored under a misleading name).
 */
export function checkEvidence(name: string, bytes: Uint8Array) {
	if (bytes.length === 0) throw fileError(400, 'empty_file');
	if (bytes.length > maxEvidenceBytes()) throw fileError(413, 'file_too_large');
	const kind = sniffEvidence(bytes);
	if (!kind) {
		const why = refusalReason(bytes);
		throw fileError(415, why === 'executable' ? 'executable_refused' : 'unsupported_file_type');
	}
	const type = EVIDENCE_TYPES[kind];
	const ext = extensionOf(name);
	if (ext && !(type.extensions as string[]).includes(ext)) {
		throw fileError(415, 'extension_mismatch');
	}
	return {
		kind,
		mime: type.mime,
		filename: cleanFilename(ext ? name : `${name}.${type.extensions[0]}`, kind)
	};
}

/** Content-addressed: the same file uploaded twice is stored once on disk. */
async function writeToDir(dir: string, sha: string, bytes: Uint8Array): Promise<string> {
	const rel = path.join(sha.slice(0, 2), sha);
	const full = path.join(dir, rel);
	await mkdir(path.dirname(full), { recursive: true });
	const tmp = `${full}.${randomBytes(6).toString('hex')}.tmp`;
	await writeFile(tmp, bytes, { flag: 'wx' });
	await rename(tmp, full);
	return rel;
}

/** Stores an evidence file for an item that is still being worked on. */
export async function addEvidence(
	db: DbOrTx,
	actor: Actor,
	rectificationId: number,
	file: { name: string; bytes: Uint8Array }
): Promise<EvidenceSummary> {
	const item = await getRectification(db, rectificationId);
	if (item.status === 'verified') throw new ConflictError('rectification_verified');
	const checked = checkEvidence(file.name, file.bytes);
	const [{ n }] = await db
		.select({ n: count() })
		.from(evidenceFile)
		.where(eq(evidenceFile.rectificationId, rectificationId));
	if (n >= MAX_FILES_PER_ITEM) throw fileError(409, 'too_many_files');
	const sha256 = createHash('sha256').update(file.bytes).digest('hex');
	const dir = env().EVIDENCE_DIR;
	const stored = dir
		? { path: await writeToDir(dir, sha256, file.bytes), data: null }
		: { path: null, data: Buffer.from(file.bytes) };
	const [row] = await db
		.insert(evidenceFile)
		.values({
			rectificationId,
			filename: checked.filename,
			mime: checked.mime,
			size: file.bytes.length,
			sha256,
			...stored,
			uploadedBy: actor.label,
			uploadedById: actor.id
		})
		.returning(summary);
	await db.insert(rectificationEvent).values({
		rectificationId,
		kind: 'evidence',
		note: row.filename,
		detail: { fileId: row.id, size: row.size, mime: row.mime, sha256 },
		actorLabel: actor.label,
		actorId: actor.id
	});
	await appendAudit(db, actor, {
		action: 'rectification.evidence',
		targetType: 'rectification',
		targetId: rectificationId,
		cycleId: item.cycleId,
		detail: { fileId: row.id, filename: row.filename, size: row.size, sha256 }
	});
	return row;
}

export async function listEvidence(
	db: DbOrTx,
	rectificationId: number
): Promise<EvidenceSummary[]> {
	return db
		.select(summary)
		.from(evidenceFile)
		.where(eq(evidenceFile.rectificationId, rectificationId))
		.orderBy(asc(evidenceFile.id));
}

/** One file of one item, with its bytes (from the database or EVIDENCE_DIR). */
export async function readEvidence(
	db: DbOrTx,
	rectificationId: number,
	fileId: number
): Promise<{ file: EvidenceSummary; bytes: Uint8Array }> {
	if (!Number.isSafeInteger(fileId) || fileId <= 0) throw new NotFoundError('file_not_found');
	const [row] = await db
		.select()
		.from(evidenceFile)
		.where(and(eq(evidenceFile.id, fileId), eq(evidenceFile.rectificationId, rectificationId)));
	if (!row) throw new NotFoundError('file_not_found');
	let bytes: Uint8Array;
	if (row.data) bytes = row.data;
	else {
		const dir = env().EVIDENCE_DIR;
		if (!dir || !row.path) throw new NotFoundError('file_not_found');
		try {
			bytes = await readFile(path.join(dir, row.path));
		} catch {
			throw new NotFoundError('file_not_found');
		}
	}
	const { data: _d, path: _p, ...file } = row;
	void _d;
	void _p;
	return { file, bytes };
}
