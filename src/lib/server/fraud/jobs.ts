import { randomBytes } from 'node:crypto';
import { eq } from 'drizzle-orm';
import type { DbOrTx } from '../db/client';
import { job } from '../db/schema';
import { NotFoundError } from '../errors';
import { logger } from '../logger';

/**
 * Long-running work (retrospective passes, imports) with progress a page can poll. A job runs in the
 * process that started it; if that process dies the job would stay "running" forever, so a running
 * job not updated for a while reads as failed.
 */
export const STALE_JOB_MS = 15 * 60_000;

export interface JobView {
	id: string;
	kind: string;
	status: 'running' | 'done' | 'failed';
	progress: number;
	total: number;
	result: Record<string, unknown> | null;
	error: string | null;
	createdBy: string | null;
	createdAt: Date;
	updatedAt: Date;
}

export async function createJob(
	db: DbOrTx,
	kind: string,
	createdBy: string | null,
	total = 100
): Promise<string> {
	const id = randomBytes(12).toString('base64url');
	await db.insert(job).values({ id, kind, status: 'running', progress: 0, total, createdBy });
	return id;
}

export async function updateJob(
	db: DbOrTx,
	id: string,
	patch: Partial<Pick<JobView, 'progress' | 'total' | 'status' | 'result' | 'error'>>
): Promise<void> {
	await db
		.update(job)
		.set({ ...patch, updatedAt: new Date() })
		.where(eq(job.id, id));
}

export async function getJob(db: DbOrTx, id: string, now = new Date()): Promise<JobView> {
	if (typeof id !== 'string' || id.length > 64) throw new NotFoundError('job_not_found');
	const [row] = await db.select().from(job).where(eq(job.id, id));
	if (!row) throw new NotFoundError('job_not_found');
	const stale = row.status === 'running' && now.getTime() - row.updatedAt.getTime() > STALE_JOB_MS;
	return {
		id: row.id,
		kind: row.kind,
		status: stale ? 'failed' : (row.status as JobView['status']),
		progress: row.progress,
		total: row.total,
		result: row.result ?? null,
		error: stale ? 'job_abandoned' : row.error,
		createdBy: row.createdBy,
		createdAt: row.createdAt,
		updatedAt: row.updatedAt
	};
}

export type ProgressFn = (progress: number, total?: number) => Promise<void>;

/**
 * Starts `work` in the background and returns the job id at once. Progress writes are throttled;
 * failures are recorded on the job (and logged without details of the data).
 */
export async function startJob(
	db: DbOrTx,
	kind: string,
	createdBy: string | null,
	work: (progress: ProgressFn) => Promise<Record<string, unknown>>
): Promise<string> {
	const id = await createJob(db, kind, createdBy);
	let last = 0;
	const progress: ProgressFn = async (p, total) => {
		if (Date.now() - last < 250 && p < (total ?? 100)) return;
		last = Date.now();
		await updateJob(db, id, { progress: Math.round(p), ...(total !== undefined ? { total } : {}) });
	};
	void (async () => {
		try {
			const result = await work(progress);
			await updateJob(db, id, { status: 'done', result, progress: 100, total: 100 });
		} catch (err) {
			logger.error(
				{ job: id, kind, err: err instanceof Error ? err.message : String(err) },
				'job failed'
			);
			await updateJob(db, id, {
				status: 'failed',
				error: err instanceof Error ? err.message.slice(0, 500) : 'failed'
			}).catch(() => {});
		}
	})();
	return id;
}

/** Waits for a job to finish (API callers that asked to wait; tests). */
export async function waitForJob(
	db: DbOrTx,
	id: string,
	timeoutMs = 10 * 60_000
): Promise<JobView> {
	const deadline = Date.now() + timeoutMs;
	for (;;) {
		const j = await getJob(db, id);
		if (j.status !== 'running' || Date.now() > deadline) return j;
		await new Promise((r) => setTimeout(r, 100));
	}
}
