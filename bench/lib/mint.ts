import { randomUUID } from 'node:crypto';
import { issueStartToken } from '../../src/lib/server/responses/start-token';
import { createPowChallenge, deriveKey } from '../../src/lib/server/responses/proof-of-work';

/**
 * Submission bodies as a browser would send them, minted with the server's APP_SECRET: a start
 * token issued 10 s ago and a proof of work whose answer we know because we chose the counter.
 * The server still verifies both in full; only the client's hashing is skipped.
 */
export function mintBodies(opts: {
	appSecret: string;
	surveyId: number;
	units: string[];
	count: number;
	area?: string;
}): string[] {
	const key = Buffer.from(opts.appSecret, 'utf8');
	const levels = [
		'satisfied',
		'fairly_satisfied',
		'basically_satisfied',
		'dissatisfied',
		'dont_know'
	];
	const bodies: string[] = [];
	for (let i = 0; i < opts.count; i++) {
		const { token, nonce } = issueStartToken(key, opts.surveyId, new Date(Date.now() - 10_000 - i));
		const counter = 1000 + (i % 4000);
		const challenge = createPowChallenge(key, nonce, new Date(Date.now() + 3600_000), counter);
		const derivedKey = deriveKey(
			challenge.parameters.salt,
			challenge.parameters.nonce,
			counter
		).toString('hex');
		const altcha = Buffer.from(
			JSON.stringify({ challenge, solution: { counter, derivedKey, time: 900 } })
		).toString('base64');
		const ratings = Object.fromEntries(
			opts.units.map((u, j) => [u, levels[(i + j * 7) % levels.length]])
		);
		bodies.push(
			JSON.stringify({
				submissionId: randomUUID(),
				startToken: token,
				altcha,
				group: 'residents',
				area: opts.area ?? 'A1-01',
				channel: 'push',
				ratings,
				answers: { attention: 'basic' }
			})
		);
	}
	return bodies;
}
