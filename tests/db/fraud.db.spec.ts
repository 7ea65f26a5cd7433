import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import { createTestDb } from '$lib/server/db/testing';
import type { Db, DbHandle } from '$lib/server/db/client';
import { rowsOf } from '$lib/server/db/rows';
import { loadAppSecret } from '$lib/server/auth/app-secret';
import { submitResponse } from '$lib/server/responses/submit-response';
import { forgetSurveyView, loadSurveyView, type SurveyView } from '$lib/server/surveys/survey-view';
import { parseNetworkTable, setNetworkTable } from '$lib/server/fraud/network-table';
import { runRecentDetectors } from '$lib/server/fraud/detectors';
import { recheckSurvey, startRecheckJob } from '$lib/server/fraud/recheck';
import { createRuleSet, listRuleSets } from '$lib/server/fraud/rules';
import { reviewMany, reviewOne } from '$lib/server/fraud/review';
import { listAlerts, reviewQueue } from '$lib/server/fraud/queue';
import { waitForJob } from '$lib/server/fraud/jobs';
import { detectorTick, startFraudScheduler, stopFraudScheduler } from '$lib/server/fraud/scheduler';
import { forgetRunningStats } from '$lib/server/fraud/context';
import { importResponses, type TextLine } from '$lib/server/responses/import-responses';
import { ValidationError } from '$lib/server/errors';
import { dumpAllTables } from '../fixtures/db';
import { liveCredentials, setupCounty, simActor } from '../simulator/harness';

let handle: DbHandle;
let db: Db;
let key: Buffer;
const OPENS = Date.parse('2031-03-01T00:00:00+08:00');
const DAY = 86_400_000;
const HOUR = 3_600_000;

const table = `cidr,asn,asn_type,carrier,province,city,scope
112.10.0.0/16,9808,mobile,cm,本省,本市,county
60.20.0.0/16,4134,broadband,ct,本省,本县,county
47.96.0.0/11,37963,cloud,aliyun,,,other
223.100.0.0/16,9808,mobile,cm,外省,外市,other`;

beforeAll(async () => {
	handle = await createTestDb();
	db = handle.db;
	key = await loadAppSecret(db);
	setNetworkTable(parseNetworkTable(table).table);
});

afterAll(async () => {
	setNetworkTable(undefined);
	await handle?.close();
});

async function county(slug: string) {
	const r = await setupCounty(db, {
		slug,
		townships: 3,
		villagesPerTownship: 2,
		departments: 9,
		opensAt: new Date(OPENS - DAY),
		closesAt: new Date(OPENS + 30 * DAY),
		attention: true
	});
	return r;
}

const LEVELS = [
	'dont_know',
	'satisfied',
	'fairly_satisfied',
	'basically_satisfied',
	'dissatisfied'
];

interface Send {
	at: number;
	durationMs?: number;
	pattern: string;
	area?: string;
	ip?: string;
	device?: string | null;
	powMs?: number | null;
	attention?: string;
	comment?: string;
	ua?: string;
}

async function send(view: SurveyView, s: Send) {
	const ratings: Record<string, string> = {};
	view.units.forEach((u, i) => (ratings[u.code] = LEVELS[Number(s.pattern[i] ?? '0')]));
	const submissionId = randomUUID();
	await submitResponse(
		db,
		view.survey.slug,
		{
			submissionId,
			...liveCredentials(
				key,
				view.survey.id,
				new Date(s.at - (s.durationMs ?? 150_000)),
				s.powMs === undefined ? 800 : s.powMs
			),
			group: 'residents',
			area: s.area ?? 'T01-V1',
			ratings,
			answers: { attention: s.attention ?? 'basic' },
			comments: s.comment ? { general: s.comment } : undefined
		},
		{
			now: new Date(s.at),
			clientAddress: s.ip ?? '112.10.1.1',
			userAgent: s.ua ?? 'Mozilla/5.0 (Linux; Android 12) Mobile MicroMessenger/8.0',
			deviceCookie: s.device === undefined ? randomUUID() : s.device,
			source: 'live'
		}
	);
	const [row] = rowsOf<{
		id: number | string;
		status: string;
		reasons: string[];
		weight: number;
		network_type: string | null;
		network_scope: string | null;
	}>(
		await db.execute(
			sql`select id, status, reasons, weight, network_type, network_scope from submissions where client_id = ${submissionId}::uuid`
		)
	);
	return { submissionId, ...row, id: Number(row.id) };
}

const honestPattern = (i: number) =>
	['120000100200000', '010000200100000', '001000100020000', '100000020001000', '020000001000200'][
		i % 5
	];

describe('the pipeline decides', () => {
	let view: SurveyView;
	beforeAll(async () => {
		({ view } = await county('fraud-pipe'));
	});

	it('accepts an ordinary answer and records network type and scope, not the address', async () => {
		const r = await send(view, { at: OPENS + HOUR, pattern: honestPattern(0), ip: '60.20.3.4' });
		expect(r.status).toBe('accepted');
		expect(r.network_type).toBe('broadband');
		expect(r.network_scope).toBe('county');
		const dump = Object.values(await dumpAllTables(db)).join('\n');
		expect(dump).not.toContain('60.20.3.4');
		expect(dump).not.toContain('60.20.3.0');
	});

	it('quarantines a far too fast answer (fallback before 100 answers) and copies the status to ratings', async () => {
		const r = await send(view, {
			at: OPENS + 2 * HOUR,
			durationMs: 12_000,
			pattern: honestPattern(1)
		});
		expect(r.status).toBe('quarantined');
		expect(r.reasons).toContain('speed.hard');
		const ratings = rowsOf<{ status: number }>(
			await db.execute(sql`select distinct status from ratings where submission_id = ${r.id}`)
		);
		expect(ratings).toEqual([{ status: 2 }]);
		const decisions = rowsOf<{ source: string; action: string }>(
			await db.execute(sql`select source, action from decisions where submission_id = ${r.id}`)
		);
		expect(decisions).toEqual([{ source: 'pipeline', action: 'quarantined' }]);
	});

	it('quarantines a repeat on the same device and keeps the first', async () => {
		const first = await send(view, {
			at: OPENS + 3 * HOUR,
			pattern: '121000120000000',
			device: 'dev-1'
		});
		const again = await send(view, {
			at: OPENS + 4 * HOUR,
			pattern: '121000120000000',
			device: 'dev-1'
		});
		expect(first.status).toBe('accepted');
		expect(again.status).toBe('quarantined');
		expect(again.reasons).toContain('identity.duplicate');
	});

	it('records a shared device with different answers without excluding it', async () => {
		await send(view, { at: OPENS + 5 * HOUR, pattern: '120000100200000', device: 'dev-2' });
		const other = await send(view, {
			at: OPENS + 6 * HOUR,
			pattern: '003040002000110',
			device: 'dev-2'
		});
		// An hour later on the same phone with other answers: a household member (no points).
		expect(other.reasons).toContain('identity.household');
		expect(other.status).toBe('accepted');
	});

	it('adds points for a cloud network but never rejects on the network alone', async () => {
		const r = await send(view, {
			at: OPENS + 7 * HOUR,
			pattern: honestPattern(2),
			ip: '47.100.1.1'
		});
		expect(r.reasons).toContain('network.datacenter');
		expect(r.status).toBe('quarantined');
		const out = await send(view, {
			at: OPENS + 8 * HOUR,
			pattern: honestPattern(3),
			ip: '223.100.5.5'
		});
		expect(out.reasons).toEqual(['network.out_of_county']);
		expect(out.status).toBe('accepted');
	});

	it('flags a submission without proof of work (no JavaScript) when nothing else is wrong', async () => {
		// A form post without JavaScript still carried a valid start token and an empty honeypot.
		const r = await send(view, { at: OPENS + 9 * HOUR, pattern: honestPattern(3), powMs: null });
		expect(r.reasons).toEqual(['pow.missing']);
		expect(r.status).toBe('flagged');
	});

	it('quarantines a submission without proof of work together with any other escalating signal', async () => {
		const r = await send(view, {
			at: OPENS + 9 * HOUR + 5 * 60_000,
			pattern: honestPattern(0),
			powMs: null,
			attention: 'satisfied'
		});
		expect(r.status).toBe('quarantined');
		expect([...r.reasons].sort()).toEqual(['pow.missing', 'trap.failed']);
	});

	it('marks a failed trap item with one point only', async () => {
		const r = await send(view, {
			at: OPENS + 10 * HOUR,
			pattern: honestPattern(0),
			attention: 'satisfied'
		});
		expect(r.reasons).toEqual(['trap.failed']);
		expect(r.status).toBe('accepted');
	});

	it('survives odd answers: all don’t-know, emoji and mixed scripts in a long comment', async () => {
		const r = await send(view, {
			at: OPENS + 11 * HOUR,
			pattern: '000000000000000',
			comment: `😀 مرحبا Привет 你好 ${'好'.repeat(400)}`
		});
		expect(r.status).toBeDefined();
	});
});

describe('window detectors, recheck and review', () => {
	let view: SurveyView;
	let cycleId: number;
	const campaignIds: string[] = [];
	beforeAll(async () => {
		({ view, cycleId } = await county('fraud-window'));
		// Four days of steady answers, about 8 an hour, then a wave for township T02 on day 4.
		let i = 0;
		for (let t = OPENS; t < OPENS + 4 * DAY; t += 7.5 * 60_000) {
			const area = ['T01-V1', 'T01-V2', 'T02-V1', 'T02-V2', 'T03-V1', 'T03-V2'][i % 6];
			const own = Number(area[2]) - 1;
			const p = Array.from({ length: 15 }, (_, u) => {
				if (u === own) return String(1 + (i % 3));
				if (u >= 3 && (i + u) % 3 === 0) return String(1 + ((i + u) % 4));
				return '0';
			}).join('');
			await send(view, { at: t, pattern: p, area, durationMs: 120_000 + (i % 7) * 10_000 });
			i++;
		}
		const wave = OPENS + 3 * DAY + 12 * HOUR;
		for (let k = 0; k < 70; k++) {
			const template = k % 2 === 0;
			const r = await send(view, {
				at: wave + k * 60_000,
				pattern: template
					? '1'.repeat(view.units.length)
					: `01${k
							.toString(4)
							.padStart(view.units.length - 2, '0')
							.replace(/[123]/g, (d) => String(Number(d) + 1))}`,
				area: 'T02-V1',
				durationMs: template ? 140_000 : 135_000
			});
			campaignIds.push(r.submissionId);
		}
		forgetRunningStats(db);
	}, 600_000);

	it('alerts on the wave, not on the steady traffic, and weighs the window down', async () => {
		const run = await runRecentDetectors(
			db,
			view.survey.slug,
			new Date(OPENS + 3 * DAY + 16 * HOUR)
		);
		expect(run.alerts).toBeGreaterThan(0);
		const alerts = (await listAlerts(db, view)).filter((a) => a.detector === 'burst');
		expect(alerts.length).toBeGreaterThan(0);
		expect(alerts.every((a) => Date.parse(a.windowEnd) > OPENS + 3 * DAY + 11 * HOUR)).toBe(true);
		expect(alerts.some((a) => a.unit === 'T02')).toBe(true);
		// Templates are quarantined; the others keep a weight below 1 on T02's answer only.
		const rows = rowsOf<{
			client_id: string;
			status: string;
			reasons: string[];
			weight: number;
			pattern: string;
		}>(
			await db.execute(sql`select client_id, status, reasons, weight, pattern from submissions
				where client_id in (select x::uuid from jsonb_array_elements_text(${JSON.stringify(campaignIds)}::jsonb) t(x))`)
		);
		expect(rows.filter((r) => r.status === 'quarantined').length).toBeGreaterThanOrEqual(30);
		const plain = rows.find((r) => r.status !== 'quarantined')!;
		expect(plain.weight).toBeLessThan(1);
		const ratingWeights = rowsOf<{ unit_id: number; weight: number }>(
			await db.execute(sql`select r.unit_id, r.weight from ratings r join submissions s on s.id = r.submission_id
				where s.client_id = ${plain.client_id}::uuid`)
		);
		const t02 = view.units.find((u) => u.code === 'T02')!.id;
		expect(ratingWeights.find((r) => r.unit_id === t02)!.weight).toBeLessThan(1);
		expect(
			ratingWeights.filter((r) => r.unit_id !== t02).every((r) => r.weight === 1 || r.weight < 1)
		).toBe(true);
		// A second pass over the same data changes nothing.
		const again = await runRecentDetectors(
			db,
			view.survey.slug,
			new Date(OPENS + 3 * DAY + 16 * HOUR)
		);
		expect(again.changed).toBe(0);
	});

	it('re-runs everything under a changed rule set and reports the changed decisions', async () => {
		expect((await listRuleSets(db, cycleId)).map((r) => r.version)).toEqual([1]);
		// The survey is open: a change needs a reason.
		await expect(
			createRuleSet(db, simActor, cycleId, { rules: { speed: { hard: 0.85, soft: 0.9 } } })
		).rejects.toBeInstanceOf(ValidationError);
		const created = await createRuleSet(db, simActor, cycleId, {
			rules: { speed: { hard: 0.85, soft: 0.9 } },
			reason: '试点后调整时长阈值'
		});
		expect(created.version).toBe(2);
		expect(created.recheck).toEqual([view.survey.slug]);
		forgetSurveyView(view.survey.slug);
		const summary = await recheckSurvey(db, view.survey.slug, simActor);
		expect(summary.ruleSetVersion).toBe(2);
		expect(summary.submissions).toBeGreaterThan(700);
		expect(summary.changed).toBeGreaterThan(0);
		const statusOfRatings = rowsOf<{ n: number | string }>(
			await db.execute(sql`select count(*) as n from ratings r join submissions s on s.id = r.submission_id
				where s.survey_id = ${view.survey.id} and r.status <> case s.status
					when 'accepted' then 0 when 'flagged' then 1 when 'quarantined' then 2 else 3 end`)
		);
		expect(Number(statusOfRatings[0].n)).toBe(0);
		const recheckDecisions = rowsOf<{ n: number | string }>(
			await db.execute(
				sql`select count(*) as n from decisions where source = 'recheck' and rule_set_version = 2`
			)
		);
		expect(Number(recheckDecisions[0].n)).toBe(summary.changed);
		// Nothing left to change on a second pass.
		const second = await recheckSurvey(db, view.survey.slug, simActor);
		expect(second.changed).toBe(0);
	});

	it('lets a reviewer decide a cluster and keeps the decision through a recheck', async () => {
		view = await loadSurveyView(db, view.survey.slug);
		const q = await reviewQueue(db, view, 'quarantined');
		expect(q.total).toBeGreaterThan(0);
		const group = q.groups.find((g) => g.kind === 'reason' && g.key === 'reason:speed.hard');
		expect(group).toBeDefined();
		expect(JSON.stringify(q)).not.toMatch(/\d+\.\d+\.\d+\.\d+/);
		const r = await reviewMany(
			db,
			simActor,
			view,
			{ cluster: 'reason:speed.hard' },
			'accept',
			'核实为老年人慢速作答'
		);
		expect(r.decided).toBe(group!.count);
		const one = campaignIds[0];
		await reviewOne(db, simActor, view, one, 'exclude', '模板答卷');
		const after = rowsOf<{ status: string; reasons: string[] }>(
			await db.execute(sql`select status, reasons from submissions where client_id = ${one}::uuid`)
		);
		expect(after[0].status).toBe('excluded');
		await recheckSurvey(db, view.survey.slug, simActor);
		const kept = rowsOf<{ status: string }>(
			await db.execute(sql`select status from submissions where client_id = ${one}::uuid`)
		);
		expect(kept[0].status).toBe('excluded');
		const audit = rowsOf<{ action: string; detail: { ruleSetVersion: number } }>(
			await db.execute(
				sql`select action, detail from audit_log where action like 'response.review.%' order by id`
			)
		);
		expect(audit.map((a) => a.action)).toEqual([
			'response.review.accept',
			'response.review.exclude'
		]);
		expect(audit[0].detail.ruleSetVersion).toBe(2);
		const reviewDecisions = rowsOf<{ note: string; actor: string }>(
			await db.execute(
				sql`select note, actor from decisions where source = 'review' order by id desc limit 1`
			)
		);
		expect(reviewDecisions[0]).toEqual({ note: '模板答卷', actor: simActor.label });
	});

	it('runs the detectors from the scheduler (one tick) and stops cleanly', async () => {
		const tick = await detectorTick(db, new Date(OPENS + 3 * DAY + 16 * HOUR));
		expect(tick.surveys).toBeGreaterThanOrEqual(1);
		const stop = startFraudScheduler(db, { intervalMs: 20, firstRunMs: 5 });
		await new Promise((r) => setTimeout(r, 120));
		stop();
		expect(startFraudScheduler(db, { firstRunMs: 60_000 })).toBeTypeOf('function');
		stopFraudScheduler();
	});

	it('runs the pass as a job with progress', async () => {
		const id = await startRecheckJob(db, view.survey.slug, simActor);
		const job = await waitForJob(db, id);
		expect(job.status).toBe('done');
		expect(job.progress).toBe(100);
		expect(job.result?.submissions).toBeGreaterThan(700);
	});
});

describe('importer', () => {
	let view: SurveyView;
	beforeAll(async () => {
		({ view } = await county('fraud-import'));
	});

	async function* lines(texts: string[]): AsyncGenerator<TextLine> {
		let n = 0;
		for (const text of texts) yield { line: ++n, text };
	}
	const ratings = (p: string) =>
		Object.fromEntries(view.units.map((u, i) => [u.code, LEVELS[Number(p[i] ?? '0')]]));
	const record = (over: Record<string, unknown> = {}) => ({
		submissionId: randomUUID(),
		receivedAt: new Date(OPENS + 2 * DAY).toISOString(),
		group: 'residents',
		area: 'T01-V1',
		ratings: ratings('120000100200000'),
		answers: { attention: 'basic' },
		source: 'paper',
		...over
	});
	const count = async () =>
		Number(
			rowsOf<{ n: number | string }>(
				await db.execute(
					sql`select count(*) as n from submissions where survey_id = ${view.survey.id}`
				)
			)[0].n
		);

	it('imports nothing when any line is bad, and reports every bad line', async () => {
		const dup = record();
		const r = await importResponses(
			db,
			simActor,
			view.survey.slug,
			lines([
				JSON.stringify(record()),
				'{not json',
				JSON.stringify(record({ receivedAt: new Date(OPENS + 60 * DAY).toISOString() })),
				JSON.stringify(dup),
				JSON.stringify(dup),
				JSON.stringify(record({ ratings: { T01: 'nope' } })),
				JSON.stringify(record({ network: { ip: '999.1.1.1' } })),
				''
			])
		);
		expect(r.rolledBack).toBe(true);
		expect(r.imported).toBe(0);
		expect(r.errors.map((e) => e.line)).toEqual([2, 3, 5, 6, 7]);
		expect(r.errors.find((e) => e.line === 3)!.errors[0].message).toBe('outside_survey_window');
		expect(await count()).toBe(0);
	});

	it('imports the good lines with ?partial, in receivedAt order, hashing addresses and phones', async () => {
		const base = OPENS + 2 * DAY;
		const early = record({
			receivedAt: new Date(base).toISOString(),
			startedAt: new Date(base - 200_000).toISOString(),
			network: { ip: '60.20.9.9' },
			identity: { phone: '13800138000' },
			source: 'external',
			userAgent: 'Mozilla/5.0 (iPhone) Mobile'
		});
		const late = record({
			receivedAt: new Date(base + HOUR).toISOString(),
			identity: { phone: '138 0013 8000' },
			source: 'external'
		});
		const r = await importResponses(
			db,
			simActor,
			view.survey.slug,
			lines([JSON.stringify(late), '[]', JSON.stringify(early)]),
			{ partial: true }
		);
		expect(r).toMatchObject({ imported: 2, rejected: 1, rolledBack: false });
		expect(r.errors.map((e) => e.line)).toEqual([2]);
		const rows = rowsOf<{
			client_id: string;
			reasons: string[];
			phone_hash: string | null;
			source: string;
			network_type: string | null;
		}>(
			await db.execute(sql`select client_id, reasons, phone_hash, source, network_type from submissions
				where survey_id = ${view.survey.id} order by received_at`)
		);
		expect(rows.map((x) => x.client_id)).toEqual([early.submissionId, late.submissionId]);
		expect(rows[0].phone_hash).toBeTruthy();
		expect(rows[0].network_type).toBe('broadband');
		// The same phone with the same answers, later: a duplicate (the earlier one is kept).
		expect(rows[1].reasons).toContain('identity.duplicate');
		const dump = Object.values(await dumpAllTables(db)).join('\n');
		expect(dump).not.toContain('60.20.9.9');
		expect(dump).not.toContain('13800138000');
		// Importing the same ids again: per-line duplicates, nothing stored.
		const again = await importResponses(
			db,
			simActor,
			view.survey.slug,
			lines([JSON.stringify(early)])
		);
		expect(again.errors[0].errors[0].message).toBe('duplicate_submission_id');
	});

	it('imports everything in one go when every line is good', async () => {
		const before = await count();
		const r = await importResponses(
			db,
			simActor,
			view.survey.slug,
			lines(
				Array.from({ length: 30 }, (_, i) =>
					JSON.stringify(
						record({ receivedAt: new Date(OPENS + 3 * DAY + i * 60_000).toISOString() })
					)
				)
			)
		);
		expect(r).toMatchObject({ imported: 30, rejected: 0, errors: [] });
		expect(await count()).toBe(before + 30);
	});
});
