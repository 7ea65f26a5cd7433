/**
 * Test and simulator harness for the anti-fraud pipeline: a county-shaped cycle with a published
 * survey, and live credentials (start token + solved proof of work) made in-process with the app key,
 * so that the real submit pipeline verifies them exactly as it verifies a browser's.
 */
import { issueStartToken } from '../../src/lib/server/responses/start-token';
import {
	createPowChallenge,
	deriveKey,
	POW_LIFETIME_MS
} from '../../src/lib/server/responses/proof-of-work';
import type { Db } from '../../src/lib/server/db/client';
import { importCycle } from '../../src/lib/server/cycles/cycle-document';
import { publishSurvey } from '../../src/lib/server/surveys/surveys';
import {
	forgetSurveyView,
	loadSurveyView,
	type SurveyView
} from '../../src/lib/server/surveys/survey-view';
import { cycleDocumentSchema, type CycleDocumentInput } from '../../src/lib/schemas/cycle-document';
import type { Actor } from '../../src/lib/server/audit/audit-log';

export const simActor: Actor = { id: null, label: 'simulator@test.local' };

export interface CountyShape {
	slug: string;
	townships: number;
	villagesPerTownship: number;
	departments: number;
	opensAt: Date;
	closesAt: Date;
	/** Add the instructed-response (attention) item. */
	attention?: boolean;
}

export function townshipCode(t: number) {
	return `T${String(t + 1).padStart(2, '0')}`;
}
export function villageCode(t: number, v: number) {
	return `${townshipCode(t)}-V${v + 1}`;
}
export function departmentCode(d: number) {
	return `D${String(d + 1).padStart(2, '0')}`;
}

export function countyDocument(shape: CountyShape): CycleDocumentInput {
	const townships = Array.from({ length: shape.townships }, (_, t) => t);
	const areas = townships.flatMap((t) => [
		{ code: townshipCode(t), name: `${t + 1}镇`, parent: null, population: 20_000 + 1_000 * t },
		...Array.from({ length: shape.villagesPerTownship }, (_, v) => ({
			code: villageCode(t, v),
			name: `${t + 1}镇${v + 1}村`,
			parent: townshipCode(t),
			population: 4_000 + 500 * ((t + v) % 5)
		}))
	]);
	return {
		cycle: {
			name: `模拟县 ${shape.slug}`,
			year: 2031,
			// Residents only in the simulation: one group is enough for a rank.
			config: { rankable: { minGroups: 1, minValid: 30 } }
		},
		groups: [
			{ code: 'residents', label: '群众', identity: 'link', minValid: 30 },
			{ code: 'service_recipients', label: '服务对象', identity: 'link', minValid: 30 }
		],
		categories: [
			{ code: 'township', name: '乡镇', weights: { residents: 0.7, service_recipients: 0.3 } },
			{ code: 'department', name: '部门', weights: { residents: 0.5, service_recipients: 0.5 } }
		],
		areas,
		units: [
			...townships.map((t) => ({
				code: townshipCode(t),
				name: `${t + 1}镇人民政府`,
				category: 'township',
				area: townshipCode(t)
			})),
			...Array.from({ length: shape.departments }, (_, d) => ({
				code: departmentCode(d),
				name: `县部门${d + 1}`,
				category: 'department',
				area: null
			}))
		],
		surveys: [
			{
				slug: shape.slug,
				title: '群众满意度测评',
				groups: ['residents', 'service_recipients'],
				units: 'all',
				scale: 'ceping4',
				questions: shape.attention
					? [
							{
								id: 'attention',
								type: 'instructed',
								text: '本题请选择“基本满意”',
								required: false,
								options: [
									{ code: 'satisfied', label: '满意' },
									{ code: 'basic', label: '基本满意' }
								],
								expected: 'basic'
							}
						]
					: [],
				opensAt: shape.opensAt.toISOString(),
				closesAt: shape.closesAt.toISOString()
			}
		]
	} as CycleDocumentInput;
}

export async function setupCounty(
	db: Db,
	shape: CountyShape
): Promise<{ cycleId: number; view: SurveyView }> {
	const cycleId = await importCycle(db, simActor, cycleDocumentSchema.parse(countyDocument(shape)));
	await publishSurvey(db, simActor, shape.slug);
	forgetSurveyView(shape.slug);
	return { cycleId, view: await loadSurveyView(db, shape.slug) };
}

/**
 * A start token issued at `startedAt` and a proof of work solved for it, with the client-reported
 * solve time `powMs`. The challenge is made with the smallest counter so solving costs one hash:
 * the pipeline verifies signature, binding and solution as for any challenge.
 */
export function liveCredentials(
	key: Buffer,
	surveyId: number,
	startedAt: Date,
	powMs: number | null
): { startToken: string; altcha?: string } {
	const { token, nonce } = issueStartToken(key, surveyId, startedAt);
	if (powMs === null) return { startToken: token };
	const challenge = createPowChallenge(
		key,
		nonce,
		new Date(startedAt.getTime() + POW_LIFETIME_MS),
		1
	);
	const p = challenge.parameters;
	const derivedKey = deriveKey(p.salt, p.nonce, 1).toString('hex');
	const altcha = Buffer.from(
		JSON.stringify({ challenge, solution: { counter: 1, derivedKey, time: powMs } })
	).toString('base64');
	return { startToken: token, altcha };
}
