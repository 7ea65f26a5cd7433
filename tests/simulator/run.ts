/**
 * Runs the labelled traffic of model.ts through the real pipeline in-process: `submitResponse`
 * (start token, proof of work, validation, every per-submission check, one transaction) against an
 * in-memory PGlite, the window detectors on a simulated scheduler every 30 minutes, and optionally
 * the retrospective pass at the end. Then measures what happened to each label.
 */
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import pino from 'pino';
import { sql } from 'drizzle-orm';
import { openDatabase, type Db } from '../../src/lib/server/db/client';
import { rowsOf } from '../../src/lib/server/db/rows';
import { hamming } from '../../src/lib/server/fraud/checks/patterns';
import { loadAppSecret } from '../../src/lib/server/auth/app-secret';
import { logger } from '../../src/lib/server/logger';
import { submitResponse } from '../../src/lib/server/responses/submit-response';
import { DomainError } from '../../src/lib/server/errors';
import { parseNetworkTable, setNetworkTable } from '../../src/lib/server/fraud/network-table';
import { runRecentDetectors } from '../../src/lib/server/fraud/detectors';
import { recheckSurvey } from '../../src/lib/server/fraud/recheck';
import { createRuleSet } from '../../src/lib/server/fraud/rules';
import { forgetSurveyView, loadSurveyView } from '../../src/lib/server/surveys/survey-view';
import { recomputeFromRatings } from '../../src/lib/server/scoring/compute';
import { dumpAllTables } from '../fixtures/db';
import { liveCredentials, setupCounty, simActor } from './harness';
import {
	buildEvents,
	DAY,
	HOUR,
	MEETING_TOWNSHIP,
	networkCsv,
	PROMO_TOWNSHIP,
	schedule,
	TARGET,
	TOWNSHIPS,
	VICTIM,
	type Label,
	type SimEvent
} from './model';
import { departmentCode, townshipCode } from './harness';

export interface SimOptions {
	seed: number;
	days?: number;
	honestPersons?: number;
	tickMinutes?: number;
	/** Also run the retrospective pass at the end and measure again. */
	recheck?: boolean;
	/** Rule-set changes (as for POST /api/v1/cycles/{id}/rule-sets) before the survey opens. */
	rules?: Record<string, unknown>;
	log?: (line: string) => void;
	/** Also measure how much each label's counted answers move the townships (slower). */
	attribution?: boolean;
}

export interface GroupStat {
	n: number;
	excluded: number;
	flagged: number;
	rejected: number;
}

export interface Measures {
	groups: Record<string, GroupStat>;
	scores: {
		target: {
			published: number | null;
			honest: number | null;
			raw: number | null;
			rank: number | null;
			honestRank: number | null;
			rawRank: number | null;
		};
		victim: { published: number | null; honest: number | null; raw: number | null };
		/** Mean absolute error of the other townships' published scores against honest-only. */
		othersMae: number;
		/**
		 * Per label: the mean signed shift its counted answers cause in the published scores of the
		 * other townships and of the target (published minus published-without-that-label).
		 */
		attribution?: Record<string, { others: number; target: number }>;
		townships: {
			unit: string;
			published: number | null;
			honest: number | null;
			rank: number | null;
			honestRank: number | null;
		}[];
	};
	/** Reason sets of honest submissions that were excluded or flagged (diagnostics). */
	honestReasons: {
		excluded: Record<string, number>;
		flagged: Record<string, number>;
		/** Careless answers that still count, by reason set. */
		carelessCounted: Record<string, number>;
	};
	alerts: {
		burst: number;
		falseBurst: { unit: string; windowStart: string; during: string }[];
		template: number;
		templateMostlyHonest: number;
	};
}

export interface SimResult {
	seed: number;
	submissions: number;
	stored: number;
	ms: number;
	waves: { start: string; alertedAfterMinutes: number | null }[];
	live: Measures;
	afterRecheck?: Measures;
	rawIpHits: { database: number; logs: number; distinctIps: number };
}

const LEVEL_CODES = [
	'dont_know',
	'satisfied',
	'fairly_satisfied',
	'basically_satisfied',
	'dissatisfied'
];

function unitCodeOf(i: number): string {
	return i < TOWNSHIPS ? townshipCode(i) : departmentCode(i - TOWNSHIPS);
}

/**
 * Repeats on a device cookie by how their answers compare with the nearest earlier submission on it
 * (the report breaks identified repeats down by this): `same` (identical), `close` (1–3 units
 * differ), `far` (4 or more), and `soon` when within two hours of it (a household's timing).
 */
function repeatClasses(events: readonly SimEvent[]): Map<number, string> {
	const byCookie = new Map<string, SimEvent[]>();
	const out = new Map<number, string>();
	for (const e of events) {
		if (!e.deviceCookie) continue;
		const earlier = byCookie.get(e.deviceCookie) ?? [];
		if (earlier.length && e.label === 'repeater') {
			const p = e.levels.join('');
			let best = Infinity;
			let gap = Infinity;
			for (const q of earlier) {
				const h = hamming(q.levels.join(''), p);
				if (h < best || (h === best && e.at - q.at < gap)) {
					best = h;
					gap = e.at - q.at;
				}
			}
			const k = best === 0 ? 'same' : best <= 3 ? 'close' : 'far';
			out.set(e.id, `${k}${gap <= 2 * HOUR ? '_soon' : ''}`);
		}
		earlier.push(e);
		byCookie.set(e.deviceCookie, earlier);
	}
	return out;
}

/** Groups an event belongs to in the report. */
function groupsOf(e: SimEvent, repeats: Map<number, string>): string[] {
	const out: string[] = [e.label];
	const rc = repeats.get(e.id);
	if (rc && e.tags[0] === 'repeat_identity') {
		out.push(`repeater:identity:${rc}`);
		if (rc.endsWith('_soon')) out.push(`repeater:identity:${rc.replace('_soon', '')}`);
	}
	if (e.label === 'honest') {
		for (const t of e.tags) {
			if (
				[
					'shared_network',
					'all_satisfied',
					'out_of_county',
					'elderly',
					'household_second'
				].includes(t) ||
				t.startsWith('surge_')
			) {
				out.push(`honest:${t}`);
			}
		}
	}
	if (e.label === 'honest' && e.powMs !== null) out.push('honest:with_js');
	if (e.label === 'repeater') out.push(`repeater:${e.tags[0]}`);
	if (e.label === 'campaign') {
		out.push(e.tags.includes('tail') ? 'campaign:tail' : 'campaign:wave');
		if (e.tags.includes('repeat_identity')) out.push('campaign:repeat_identity');
	}
	return out;
}

export async function simulate(opts: SimOptions): Promise<SimResult> {
	const started = Date.now();
	const log = opts.log ?? (() => {});
	const days = opts.days ?? 14;
	const honestPersons = opts.honestPersons ?? 12_000;
	const tickMs = (opts.tickMinutes ?? 30) * 60_000;
	// Midnight county time (UTC+8) of day 1.
	const start = Date.parse('2031-03-01T00:00:00+08:00');
	const slug = `sim-${opts.seed}`;

	// Everything the server logs during the run is kept (and searched for raw addresses later).
	const stream = (logger as unknown as Record<symbol, { write: (s: string) => boolean }>)[
		pino.symbols.streamSym
	];
	const originalWrite = stream.write;
	let logged = '';
	stream.write = (s: string) => {
		logged += s;
		return true;
	};

	const handle = await openDatabase({ pgliteDir: 'memory://' });
	const db: Db = handle.db;
	try {
		const bundled = readFileSync(
			path.resolve(import.meta.dirname, '../../src/lib/server/fraud/network-default.csv'),
			'utf8'
		);
		const simRows = networkCsv().split('\n').slice(1).join('\n');
		setNetworkTable(parseNetworkTable(`${bundled}\n${simRows}`).table);

		const { cycleId, view: firstView } = await setupCounty(db, {
			slug,
			townships: TOWNSHIPS,
			villagesPerTownship: 3,
			departments: 20,
			opensAt: new Date(start - DAY),
			closesAt: new Date(start + (days + 3) * DAY),
			attention: true
		});
		if (opts.rules) {
			await createRuleSet(db, simActor, cycleId, { rules: opts.rules, reason: 'simulator' });
			forgetSurveyView(slug);
		}
		const key = await loadAppSecret(db);
		const view = await loadSurveyView(db, slug);
		void firstView;
		const events = buildEvents({ seed: opts.seed, days, honestPersons, start });
		const repeats = repeatClasses(events);
		log(`seed ${opts.seed}: ${events.length} events`);

		const plan = schedule(start);
		const tokens = new Map<number, ReturnType<typeof liveCredentials>>();
		const outcome = new Map<number, { submissionId: string; rejected: boolean }>();
		const firstSeen = new Map<string, number>();
		let nextTick = start + tickMs;
		let lastSubmission = -Infinity;
		let tickMsTotal = 0;
		let submitMsTotal = 0;
		const tick = async (now: number) => {
			if (now - lastSubmission > 6 * HOUR) return;
			const t0 = performance.now();
			await runRecentDetectors(db, slug, new Date(now));
			tickMsTotal += performance.now() - t0;
			const alerts = rowsOf<{ unit_id: number | null; window_start: Date | string }>(
				await db.execute(sql`select unit_id, window_start from alerts where detector = 'burst'`)
			);
			for (const a of alerts) {
				const k = `${a.unit_id}|${new Date(a.window_start).getTime()}`;
				if (!firstSeen.has(k)) firstSeen.set(k, now);
			}
		};
		let done = 0;
		for (const e of events) {
			while (e.at >= nextTick) {
				await tick(nextTick);
				nextTick += tickMs;
			}
			const creds = e.replayOf
				? (tokens.get(e.replayOf) ??
					liveCredentials(key, view.survey.id, new Date(e.startedAt), e.powMs))
				: liveCredentials(key, view.survey.id, new Date(e.startedAt), e.powMs);
			tokens.set(e.id, creds);
			const submissionId = randomUUID();
			const s0 = performance.now();
			const ratings: Record<string, string> = {};
			e.levels.forEach((l, i) => (ratings[unitCodeOf(i)] = LEVEL_CODES[l]));
			try {
				await submitResponse(
					db,
					slug,
					{
						submissionId,
						...creds,
						group: e.group,
						area: e.area,
						ratings,
						answers: e.attention ? { attention: e.attention } : undefined,
						comments: e.comment ? { general: e.comment } : undefined
					},
					{
						now: new Date(e.at),
						clientAddress: e.ip,
						userAgent: e.ua,
						deviceCookie: e.deviceCookie,
						source: 'live'
					}
				);
				outcome.set(e.id, { submissionId, rejected: false });
				lastSubmission = e.at;
			} catch (err) {
				if (!(err instanceof DomainError)) throw err;
				outcome.set(e.id, { submissionId, rejected: true });
			}
			submitMsTotal += performance.now() - s0;
			if (++done % 5000 === 0) {
				log(
					`  ${done}/${events.length} (${Math.round((Date.now() - started) / 1000)} s; submit ${Math.round(submitMsTotal / 1000)} s, detectors ${Math.round(tickMsTotal / 1000)} s)`
				);
			}
		}
		const end = events[events.length - 1].at + tickMs;
		while (nextTick <= end) {
			await tick(nextTick);
			nextTick += tickMs;
		}

		const waves = plan.waves.map((w) => {
			let best: number | null = null;
			for (const [k, seen] of firstSeen) {
				const [unitId, ws] = k.split('|').map(Number);
				if (unitId !== view.unitByCode.get(unitCodeOf(TARGET))?.id) continue;
				if (ws + 2 * HOUR <= w || ws >= w + 2 * HOUR) continue;
				if (best === null || seen < best) best = seen;
			}
			return {
				start: new Date(w).toISOString(),
				alertedAfterMinutes: best === null ? null : Math.round((best - w) / 60_000)
			};
		});

		const measure = async (attribute: boolean): Promise<Measures> => {
			const rows = rowsOf<{
				client_id: string;
				status: string;
				id: number | string;
				reasons: string[] | string;
			}>(await db.execute(sql`select id, client_id, status, reasons from submissions`));
			const honestReasons = {
				excluded: {} as Record<string, number>,
				flagged: {} as Record<string, number>,
				carelessCounted: {} as Record<string, number>
			};
			const byClient = new Map(rows.map((r) => [r.client_id, r]));
			const groups: Record<string, GroupStat> = {};
			const honestIds: number[] = [];
			const otherIds: number[] = [];
			for (const e of events) {
				const o = outcome.get(e.id);
				if (!o) continue;
				const row = o.rejected ? undefined : byClient.get(o.submissionId);
				for (const g of groupsOf(e, repeats)) {
					const s = (groups[g] ??= { n: 0, excluded: 0, flagged: 0, rejected: 0 });
					s.n++;
					if (o.rejected) {
						s.rejected++;
						s.excluded++;
					} else if (row?.status === 'quarantined' || row?.status === 'excluded') s.excluded++;
					else if (row?.status === 'flagged') s.flagged++;
				}
				if (row) (e.label === 'honest' ? honestIds : otherIds).push(Number(row.id));
				if (
					row &&
					e.label === 'careless' &&
					(row.status === 'accepted' || row.status === 'flagged')
				) {
					const k = `${String(row.reasons)} d=${Math.round((e.at - e.startedAt) / 1000)}s p=${e.levels.join('')}`;
					honestReasons.carelessCounted[k] = (honestReasons.carelessCounted[k] ?? 0) + 1;
				}
				if (row && e.label === 'honest' && row.status !== 'accepted') {
					const k = `${[...new Set([...(Array.isArray(row.reasons) ? row.reasons : String(row.reasons).replace(/[{}]/g, '').split(','))])].join('+')} [${e.tags.join(',')}]`;
					const bucket = row.status === 'flagged' ? honestReasons.flagged : honestReasons.excluded;
					bucket[k] = (bucket[k] ?? 0) + 1;
				}
			}
			const labelIds = new Map<Label, number[]>();
			for (const e of events) {
				const o = outcome.get(e.id);
				const row = o && !o.rejected ? byClient.get(o.submissionId) : undefined;
				if (!row) continue;
				const list = labelIds.get(e.label) ?? [];
				list.push(Number(row.id));
				labelIds.set(e.label, list);
			}
			const scoresOf = async (mode: 'published' | 'honest' | 'raw' | Label) => {
				const run = async (h: Db) => {
					const body = await recomputeFromRatings(h, cycleId, 'applied');
					return new Map(body.items.map((i) => [i.unit, i]));
				};
				if (mode === 'published') return run(db);
				let out: Awaited<ReturnType<typeof run>> | undefined;
				await db
					.transaction(async (tx) => {
						if (mode !== 'honest' && mode !== 'raw') {
							await tx.execute(
								sql`update ratings set status = 3 where submission_id = any(${`{${(labelIds.get(mode) ?? []).join(',')}}`}::bigint[])`
							);
						} else if (mode === 'honest') {
							await tx.execute(
								sql`update ratings set status = 3 where submission_id = any(${`{${otherIds.join(',')}}`}::bigint[])`
							);
							await tx.execute(
								sql`update ratings set status = 0, weight = 1 where submission_id = any(${`{${honestIds.join(',')}}`}::bigint[])`
							);
						} else {
							await tx.execute(sql`update ratings set status = 0, weight = 1`);
						}
						out = await run(tx as unknown as Db);
						tx.rollback();
					})
					.catch((err: unknown) => {
						if (!(err instanceof Error) || !/rollback/i.test(err.message + err.name)) throw err;
					});
				return out!;
			};
			const published = await scoresOf('published');
			const honest = await scoresOf('honest');
			const raw = await scoresOf('raw');
			let attribution: Measures['scores']['attribution'];
			if (attribute) {
				attribution = {};
				for (const label of labelIds.keys()) {
					if (label === 'honest') continue;
					const without = await scoresOf(label);
					let sum = 0;
					let n = 0;
					for (let i = 0; i < TOWNSHIPS; i++) {
						if (i === TARGET) continue;
						const p = published.get(unitCodeOf(i))?.score;
						const w = without.get(unitCodeOf(i))?.score;
						if (p != null && w != null) {
							sum += p - w;
							n++;
						}
					}
					const pt = published.get(unitCodeOf(TARGET))?.score;
					const wt = without.get(unitCodeOf(TARGET))?.score;
					attribution[label] = {
						others: n ? sum / n : 0,
						target: pt != null && wt != null ? pt - wt : 0
					};
				}
			}
			const t = unitCodeOf(TARGET);
			const v = unitCodeOf(VICTIM);
			let mae = 0;
			let k = 0;
			for (let i = 0; i < TOWNSHIPS; i++) {
				if (i === TARGET || i === VICTIM) continue;
				const p = published.get(unitCodeOf(i))?.score;
				const h = honest.get(unitCodeOf(i))?.score;
				if (p != null && h != null) {
					mae += Math.abs(p - h);
					k++;
				}
			}
			const alertRows = rowsOf<{
				unit_id: number | null;
				detector: string;
				window_start: Date | string;
				window_end: Date | string;
				evidence: { pattern?: string } | string;
			}>(
				await db.execute(
					sql`select unit_id, detector, window_start, window_end, evidence from alerts`
				)
			);
			const indexOfUnit = new Map(view.units.map((u, i) => [u.id, i]));
			const codeIndex = (unitId: number | null) => {
				if (unitId === null) return -1;
				const code = view.units[indexOfUnit.get(unitId) ?? -1]?.code;
				for (let i = 0; i < TOWNSHIPS + 20; i++) if (unitCodeOf(i) === code) return i;
				return -1;
			};
			const falseBurst: Measures['alerts']['falseBurst'] = [];
			let burst = 0;
			let template = 0;
			let templateMostlyHonest = 0;
			const labelOfClient = new Map<string, Label>();
			for (const e of events) {
				const o = outcome.get(e.id);
				if (o && !o.rejected) labelOfClient.set(o.submissionId, e.label);
			}
			for (const a of alertRows) {
				const from = new Date(a.window_start).getTime();
				const to = new Date(a.window_end).getTime();
				if (a.detector === 'burst') {
					burst++;
					const unit = codeIndex(a.unit_id);
					// Attacks rate every unit (templates, camouflage), so any alert during one is explained.
					const explained = plan.attacks.some((x) => from < x.to && to > x.from);
					if (!explained) {
						const during =
							from < plan.push.to && to > plan.push.from
								? 'county push'
								: unit === MEETING_TOWNSHIP && from < plan.meeting.to && to > plan.meeting.from
									? 'village meeting'
									: unit === PROMO_TOWNSHIP && from < plan.promo.to && to > plan.promo.from
										? 'township promotion'
										: 'ordinary traffic';
						falseBurst.push({
							unit: unitCodeOf(unit),
							windowStart: new Date(from).toISOString(),
							during
						});
					}
				} else {
					template++;
					const ev = typeof a.evidence === 'string' ? JSON.parse(a.evidence) : a.evidence;
					const members = rowsOf<{ client_id: string }>(
						await db.execute(sql`select client_id from submissions where pattern = ${String(ev.pattern ?? '')}
							and received_at >= ${new Date(from).toISOString()}::timestamptz and received_at < ${new Date(to).toISOString()}::timestamptz`)
					);
					const honestShare =
						members.filter((m) => labelOfClient.get(m.client_id) === 'honest').length /
						Math.max(1, members.length);
					if (honestShare > 0.5) templateMostlyHonest++;
				}
			}
			return {
				groups,
				honestReasons,
				scores: {
					target: {
						published: published.get(t)?.score ?? null,
						honest: honest.get(t)?.score ?? null,
						raw: raw.get(t)?.score ?? null,
						rank: published.get(t)?.rank ?? null,
						honestRank: honest.get(t)?.rank ?? null,
						rawRank: raw.get(t)?.rank ?? null
					},
					victim: {
						published: published.get(v)?.score ?? null,
						honest: honest.get(v)?.score ?? null,
						raw: raw.get(v)?.score ?? null
					},
					othersMae: k ? mae / k : 0,
					attribution,
					townships: Array.from({ length: TOWNSHIPS }, (_, i) => {
						const c = unitCodeOf(i);
						return {
							unit: c,
							published: published.get(c)?.score ?? null,
							honest: honest.get(c)?.score ?? null,
							rank: published.get(c)?.rank ?? null,
							honestRank: honest.get(c)?.rank ?? null
						};
					})
				},
				alerts: { burst, falseBurst, template, templateMostlyHonest }
			};
		};

		log(
			`  submitted: submit ${Math.round(submitMsTotal / 1000)} s, detectors ${Math.round(tickMsTotal / 1000)} s`
		);
		const m0 = Date.now();
		const live = await measure(!!opts.attribution);
		log(`  measured in ${Math.round((Date.now() - m0) / 1000)} s`);
		let afterRecheck: Measures | undefined;
		if (opts.recheck) {
			const r = await recheckSurvey(db, slug, simActor);
			log(`  recheck: ${r.changed} of ${r.submissions} changed in ${r.ms} ms`);
			afterRecheck = await measure(false);
		}

		// Zero raw addresses stored or logged: every table as text, and everything logged.
		const dump = Object.values(await dumpAllTables(db)).join('\n');
		const ips = [...new Set(events.map((e) => e.ip))];
		let inDb = 0;
		let inLogs = 0;
		// Every run of address characters in the text, and each of its substrings that starts and ends
		// at a separator, so an address embedded in a longer run is found as `includes` would.
		const candidates = (text: string) => {
			const out = new Set<string>();
			for (const m of text.matchAll(/[0-9A-Fa-f:.]{7,}/g)) {
				const run = m[0];
				out.add(run);
				const cuts = [0, ...[...run.matchAll(/[:.]/g)].flatMap((x) => [x.index, x.index + 1])];
				cuts.push(run.length);
				// An address has at most 8 groups: slices spanning more separators cannot be one.
				for (let i = 0; i < cuts.length; i++) {
					for (let j = i + 1; j < Math.min(cuts.length, i + 18); j++) {
						if (cuts[j] - cuts[i] >= 7) out.add(run.slice(cuts[i], cuts[j]));
					}
				}
			}
			return out;
		};
		const inDump = candidates(dump);
		const inLogged = candidates(logged);
		for (const ip of ips) {
			if (inDump.has(ip)) inDb++;
			if (inLogged.has(ip)) inLogs++;
		}
		return {
			seed: opts.seed,
			submissions: events.length,
			stored: Number(
				rowsOf<{ n: number | string }>(
					await db.execute(sql`select count(*) as n from submissions`)
				)[0].n
			),
			ms: Date.now() - started,
			waves,
			live,
			afterRecheck,
			rawIpHits: { database: inDb, logs: inLogs, distinctIps: ips.length }
		};
	} finally {
		stream.write = originalWrite;
		setNetworkTable(undefined);
		await handle.close();
	}
}
