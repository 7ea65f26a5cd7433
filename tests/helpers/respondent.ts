import { randomUUID } from 'node:crypto';
import { solveChallenge, type Challenge } from 'altcha-lib';
import { deriveKey } from 'altcha-lib/algorithms/sha';
import type { TestServer } from './app-server';

export interface Start {
	token: string;
	challenge: Challenge;
}

/** What a browser gets with the survey page: a start token and its proof-of-work challenge. */
export async function fetchStart(server: TestServer, slug: string): Promise<Start> {
	const r = await fetch(`${server.url}/api/v1/public/surveys/${slug}`);
	if (r.status !== 200) throw new Error(`start: ${r.status} ${await r.text()}`);
	const body = (await r.json()) as { start: Start };
	return body.start;
}

/** Solves the challenge as the page script does and returns the `altcha` payload string. */
export async function solvePow(challenge: Challenge): Promise<string> {
	const solution = await solveChallenge({ challenge, deriveKey });
	if (!solution) throw new Error('no solution');
	return Buffer.from(JSON.stringify({ challenge, solution })).toString('base64');
}

/** Start tokens must be at least 8 s old; fetch many first, wait once, then use them. */
export async function startPool(server: TestServer, slug: string, n: number): Promise<Start[]> {
	const pool: Start[] = [];
	for (let i = 0; i < n; i++) pool.push(await fetchStart(server, slug));
	await new Promise((r) => setTimeout(r, 8_300));
	return pool;
}

export function allRatings(units: string[], level = 'satisfied'): Record<string, string> {
	return Object.fromEntries(units.map((u) => [u, level]));
}

export async function validBody(
	start: Start,
	units: string[],
	extra: Record<string, unknown> = {}
): Promise<Record<string, unknown>> {
	return {
		submissionId: randomUUID(),
		startToken: start.token,
		altcha: await solvePow(start.challenge),
		group: 'residents',
		area: 'A1-01',
		ratings: allRatings(units),
		answers: { attention: 'basic' },
		...extra
	};
}

/** A cycle of 30 units with one published public survey, created through the API. */
export function surveyCycleDocument(slug: string, unitCount = 30) {
	const units = Array.from({ length: unitCount }, (_, i) => ({
		code: `U${String(i + 1).padStart(2, '0')}`,
		name: `单位${i + 1}`,
		category: i < 10 ? 'township' : 'department'
	}));
	return {
		cycle: { name: '测试年度', year: 2031 },
		groups: [
			{ code: 'residents', label: '群众', identity: 'link' },
			{ code: 'service_recipients', label: '服务对象', identity: 'link' }
		],
		categories: [
			{ code: 'township', name: '乡镇', weights: { residents: 0.6, service_recipients: 0.4 } },
			{ code: 'department', name: '部门', weights: { residents: 0.5, service_recipients: 0.5 } }
		],
		areas: [
			{ code: 'A1', name: '甲镇', population: 5000 },
			{ code: 'A1-01', name: '甲村', parent: 'A1', population: 2000 },
			{ code: 'A1-02', name: '乙村', parent: 'A1', population: 3000 }
		],
		units,
		surveys: [
			{
				slug,
				title: '测试问卷',
				groups: ['residents', 'service_recipients'],
				units: 'all',
				scale: 'ceping4',
				questions: [
					{
						id: 'attention',
						type: 'instructed',
						text: '本题请选择“基本满意”',
						required: true,
						options: [
							{ code: 'satisfied', label: '满意' },
							{ code: 'basic', label: '基本满意' }
						],
						expected: 'basic'
					},
					{ id: 'note', type: 'text', text: '其他', required: false, maxLength: 200 }
				]
			}
		]
	};
}
