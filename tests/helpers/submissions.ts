import { mintBodies } from '../../bench/lib/mint';
import type { TestServer } from './app-server';

export const TEST_APP_SECRET = 'test-secret-test-secret-test-secret-0123456789';

/** Submission bodies with valid start tokens (10 s old) and solved proofs of work, made offline. */
export function bodiesFor(surveyId: number, units: string[], count: number): string[] {
	return mintBodies({ appSecret: TEST_APP_SECRET, surveyId, units, count });
}

export interface Ack {
	submissionId: string;
	receipt: string;
	status: number;
}

/**
 * Posts bodies with `concurrency` workers until they run out or `stop()` is called; records every
 * acknowledged submission (201 or 200) and every other status seen.
 */
export function submitLoop(server: TestServer, slug: string, bodies: string[], concurrency = 8) {
	const acks: Ack[] = [];
	const statuses: Record<number, number> = {};
	let next = 0;
	let stopped = false;
	const worker = async () => {
		while (!stopped && next < bodies.length) {
			const body = bodies[next++];
			try {
				const r = await fetch(`${server.url}/api/v1/public/surveys/${slug}/responses`, {
					method: 'POST',
					headers: { 'content-type': 'application/json' },
					body
				});
				statuses[r.status] = (statuses[r.status] ?? 0) + 1;
				if (r.status === 201 || r.status === 200) {
					const j = (await r.json()) as { receipt: string };
					acks.push({
						submissionId: JSON.parse(body).submissionId,
						receipt: j.receipt,
						status: r.status
					});
				} else await r.arrayBuffer();
			} catch {
				statuses[0] = (statuses[0] ?? 0) + 1;
			}
		}
	};
	const done = Promise.all(Array.from({ length: concurrency }, worker));
	return {
		acks,
		statuses,
		done,
		stop: () => {
			stopped = true;
			return done;
		}
	};
}
