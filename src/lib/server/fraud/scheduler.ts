import { sql } from 'drizzle-orm';
import type { Db } from '../db/client';
import { rowsOf } from '../db/rows';
import { logger } from '../logger';
import { LOOKBACK_MS, runRecentDetectors } from './detectors';

/**
 * Runs the window detectors over every survey that received answers in the last hours, every few
 * minutes. Timers are unref'd (they never keep the process alive) and stop on adapter-node's
 * shutdown signal. Several processes may run it: each survey's pass takes a transaction-level
 * advisory lock and a process that does not get it skips that survey this time.
 */
export const DETECTOR_INTERVAL_MS = 5 * 60_000;
const FIRST_RUN_MS = 60_000;

export async function detectorTick(
	db: Db,
	now = new Date()
): Promise<{ surveys: number; changed: number }> {
	const since = new Date(now.getTime() - LOOKBACK_MS).toISOString();
	const surveys = rowsOf<{ slug: string }>(
		await db.execute(sql`
			select v.slug from surveys v
			where v.status = 'published' and exists (
				select 1 from submissions s where s.survey_id = v.id and s.received_at >= ${since}::timestamptz)`)
	);
	let changed = 0;
	for (const { slug } of surveys) {
		try {
			const r = await runRecentDetectors(db, slug, now);
			changed += r.changed;
		} catch (err) {
			logger.error(
				{ survey: slug, err: err instanceof Error ? err.message : String(err) },
				'detectors failed'
			);
		}
	}
	return { surveys: surveys.length, changed };
}

let running: { stop: () => void } | null = null;

/** Stops the scheduler of this process, if one runs (tests). */
export function stopFraudScheduler(): void {
	running?.stop();
}

export function startFraudScheduler(
	db: Db,
	options: { intervalMs?: number; firstRunMs?: number } = {}
): () => void {
	if (running) return running.stop;
	const interval = options.intervalMs ?? DETECTOR_INTERVAL_MS;
	let timer: ReturnType<typeof setTimeout> | null = null;
	let stopped = false;
	const schedule = (ms: number) => {
		if (stopped) return;
		timer = setTimeout(tick, ms);
		timer.unref?.();
	};
	const tick = async () => {
		try {
			const r = await detectorTick(db);
			if (r.changed) logger.info(r, 'detectors updated decisions');
		} catch (err) {
			logger.error(
				{ err: err instanceof Error ? err.message : String(err) },
				'detector tick failed'
			);
		}
		schedule(interval);
	};
	const stop = () => {
		stopped = true;
		if (timer) clearTimeout(timer);
		running = null;
	};
	running = { stop };
	process.once('sveltekit:shutdown', stop);
	schedule(options.firstRunMs ?? FIRST_RUN_MS);
	return stop;
}
