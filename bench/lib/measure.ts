import autocannon from 'autocannon';

export interface LoadResult {
	rps: number;
	p99: number;
	ok: number;
	errors: number;
	statuses: Record<string, number>;
}

export const median = (xs: number[]) => {
	const s = [...xs].sort((a, b) => a - b);
	const m = Math.floor(s.length / 2);
	return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

/**
 * One bounded autocannon run against loopback. `body` supplies a fresh body per request (each
 * submission needs its own id and start token).
 */
export async function load(opts: {
	url: string;
	connections: number;
	seconds: number;
	method?: 'GET' | 'POST';
	body?: () => string;
	headers?: Record<string, string>;
	maxRequests?: number;
	/** Statuses that count as done (default: any 2xx). */
	okStatuses?: number[];
}): Promise<LoadResult> {
	if (!/^http:\/\/(127\.0\.0\.1|localhost)(:\d+)?\//.test(opts.url)) {
		throw new Error('loopback only');
	}
	const statuses: Record<string, number> = {};
	const result = await new Promise<autocannon.Result>((resolve, reject) => {
		const inst = autocannon(
			{
				url: opts.url,
				connections: opts.connections,
				duration: opts.seconds,
				amount: opts.maxRequests,
				method: opts.method ?? 'GET',
				headers: opts.headers,
				requests: opts.body
					? [
							{
								method: 'POST',
								setupRequest: (req) => ({ ...req, body: opts.body!() })
							}
						]
					: undefined
			},
			(err, res) => (err ? reject(err) : resolve(res))
		);
		inst.on('response', (_client, statusCode) => {
			statuses[statusCode] = (statuses[statusCode] ?? 0) + 1;
		});
	});
	const ok = Object.entries(statuses)
		.filter(([s]) => (opts.okStatuses ? opts.okStatuses.includes(Number(s)) : s.startsWith('2')))
		.reduce((a, [, n]) => a + n, 0);
	// The run's own length: with `amount` autocannon stops at the count, not at the duration.
	const elapsed = result.duration > 0 ? result.duration : opts.seconds;
	return {
		rps: ok / elapsed,
		p99: result.latency.p99,
		ok,
		errors: result.errors + result.non2xx,
		statuses
	};
}

/** Runs `fn` `runs` times and returns the run with the median throughput. */
export async function medianOf(
	runs: number,
	fn: () => Promise<LoadResult>
): Promise<LoadResult & { all: number[] }> {
	const results: LoadResult[] = [];
	for (let i = 0; i < runs; i++) results.push(await fn());
	const sorted = [...results].sort((a, b) => a.rps - b.rps);
	return { ...sorted[Math.floor(sorted.length / 2)], all: results.map((r) => Math.round(r.rps)) };
}

export async function timeMs<T>(fn: () => Promise<T>): Promise<number> {
	const t = performance.now();
	await fn();
	return performance.now() - t;
}
