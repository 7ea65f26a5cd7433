import { createHash, randomUUID } from 'node:crypto';
import { createChallenge, type Challenge } from 'altcha-lib';
import { deriveKey } from 'altcha-lib/algorithms/sha';
import { issueStartToken } from '../../src/lib/server/responses/start-token';
import { powSecrets } from '../../src/lib/server/responses/proof-of-work';

/**
 * Submission bodies as a browser would send them, minted with the server's APP_SECRET: a start
 * token issued 10 s ago and a proof of work whose answer we know because we chose the counter.
 * The server still verifies both in full; only the client's hashing is skipped.
 */
export async function mintBodies(opts: {
	appSecret: string;
	surveyId: number;
	units: string[];
	count: number;
	area?: string;
}): Promise<string[]> {
	const key = Buffer.from(opts.appSecret, 'utf8');
	const secrets = powSecrets(key);
	const levels = ['satisfied', 'fairly_satisfied', 'basically_satisfied', 'dissatisfied', 'dont_know'];
	const bodies: string[] = [];
	for (let i = 0; i < opts.count; i++) {
		const { token, nonce } = issueStartToken(key, opts.surveyId, new Date(Date.now() - 10_000 - i));
		const counter = 1000 + (i % 4000);
		const challenge: Challenge = await createChallenge({
			algorithm: 'SHA-256',
			cost: 1,
			counter,
			keyPrefixLength: 4,
			deriveKey,
			data: { t: nonce },
			expiresAt: new Date(Date.now() + 3600_000),
			hmacSignatureSecret: secrets.challenge,
			hmacKeySignatureSecret: secrets.key
		});
		const p = challenge.parameters;
		const buf = Buffer.alloc(16 + 16 + 4);
		Buffer.from(p.salt, 'hex').copy(buf, 0);
		Buffer.from(p.nonce, 'hex').copy(buf, 16);
		buf.writeUInt32BE(counter, 32);
		const derivedKey = createHash('sha256').update(buf).digest('hex');
		const altcha = Buffer.from(JSON.stringify({ challenge, solution: { counter, derivedKey, time: 900 } })).toString('base64');
		const ratings = Object.fromEntries(opts.units.map((u, j) => [u, levels[(i + j * 7) % levels.length]]));
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
