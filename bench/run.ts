/**
 * `npm run bench`: Pingyi's performance goals (DESIGN.md §8) as ratios to baselines measured in the
 * same run on the same machine. `--smoke` runs every path once, briefly, to keep this script working.
 */
// Before anything from src/lib/server: lets vite-node load the bundled network table (see there).
import '../tests/simulator/kit-env';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import postgres from 'postgres';
import { load, median, medianOf, timeMs, type LoadResult } from './lib/measure';
import { mintBodies } from './lib/mint';
import { ROOT, startApp, startHello, type Proc } from './lib/processes';
import { databaseExists, dbUrl, recreateDatabase, seedSurvey } from './lib/setup';
import { buildData, DATA_DB } from './data';
import { openDatabase } from '../src/lib/server/db/client';
import { aggregateRatings, aggregateRollups } from '../src/lib/server/scoring/aggregate';
import { computeLiveScores } from '../src/lib/server/scoring/compute';
import { recheckSurvey } from '../src/lib/server/fraud/recheck';
import { systemActor } from '../src/lib/server/audit/audit-log';

const smoke = process.argv.includes('--smoke');
const RUNS = smoke ? 1 : 3;
const SECONDS = smoke ? 2 : 10;
const CONNECTIONS = 32;
const APP_SECRET = 'bench-secret-bench-secret-bench-secret-0123456789';
const ADMIN = { ADMIN_EMAIL: 'bench@bench.local', ADMIN_PASSWORD: 'bench-password-123' };
const SLUG = 'bench';

interface Row {
	goal: string;
	measured: string;
	baseline: string;
	ratio: number | null;
	target: string;
	met: boolean | null;
	note?: string;
}
const rows: Row[] = [];
const log = (msg: string) => process.stderr.write(`[bench] ${msg}\n`);
const fmt = (n: number, d = 0) =>
	n.toLocaleString('en-US', { maximumFractionDigits: d, minimumFractionDigits: d });

async function pgbenchBaseline(
	url: string,
	surveyId: number,
	unitIds: number[],
	groupId: number
): Promise<number> {
	const script = path.join(tmpdir(), 'pingyi-pgbench.sql');
	const pattern = '1'.repeat(unitIds.length);
	writeFileSync(
		script,
		`with s as (insert into submissions (survey_id, client_id, receipt, group_code, received_at, status, reasons, pattern) values (${surveyId}, gen_random_uuid(), 'PGB', 'residents', now(), 'accepted', '{}', '${pattern}') returning id) insert into ratings (submission_id, unit_id, group_id, area_id, level, value, status, day, weight) select s.id, u, ${groupId}, null, 1, 100, 0, current_date, 1 from s, unnest('{${unitIds.join(',')}}'::int[]) as u;\n`
	);
	const have = spawnSync('pgbench', ['--version']).status === 0;
	const results: number[] = [];
	for (let i = 0; i < RUNS; i++) {
		if (have) {
			const out = execFileSync(
				'pgbench',
				['-n', '-c', String(CONNECTIONS), '-j', '2', '-T', String(SECONDS), '-f', script, url],
				{
					encoding: 'utf8'
				}
			);
			results.push(Number(/tps = ([\d.]+)/.exec(out)?.[1] ?? 0));
		} else {
			results.push(await rawPostgresBaseline(url, readFileSync(script, 'utf8')));
		}
	}
	if (!have) log('pgbench not installed: baseline measured with a raw postgres.js script instead');
	return median(results);
}

async function rawPostgresBaseline(url: string, statement: string): Promise<number> {
	const sql = postgres(url, { max: CONNECTIONS, onnotice: () => {} });
	let n = 0;
	const until = Date.now() + SECONDS * 1000;
	await Promise.all(
		Array.from({ length: CONNECTIONS }, async () => {
			while (Date.now() < until) {
				await sql.unsafe(statement);
				n++;
			}
		})
	);
	await sql.end();
	return n / SECONDS;
}

async function surveyFacts(url: string) {
	const sql = postgres(url, { max: 1, onnotice: () => {} });
	const [s] = await sql`select id from surveys where slug = ${SLUG}`;
	const units =
		await sql`select u.id from units u join surveys s on s.cycle_id = u.cycle_id where s.slug = ${SLUG} order by u.id`;
	const [g] =
		await sql`select g.id from groups g join surveys s on s.cycle_id = g.cycle_id where s.slug = ${SLUG} and g.code = 'residents'`;
	await sql.end();
	return { surveyId: Number(s.id), unitIds: units.map((u) => Number(u.id)), groupId: Number(g.id) };
}

/** Counts the SQL statements one submission costs, from PostgreSQL's own statement log. */
async function statementsPerSubmission(): Promise<{
	total: number;
	writes: number;
	transactions: number;
}> {
	const name = 'pingyi_bench_stmt';
	const url = await recreateDatabase(name);
	const admin = postgres(dbUrl('postgres'), { max: 1, onnotice: () => {} });
	await admin.unsafe(`alter database ${name} set log_statement = 'all'`);
	await admin.end();
	const app = await startApp({ DATABASE_URL: url, APP_SECRET, ...ADMIN, DATABASE_POOL_SIZE: '2' });
	try {
		const { units } = await seedSurvey(app.url, ADMIN.ADMIN_EMAIL, ADMIN.ADMIN_PASSWORD, SLUG);
		const facts = await surveyFacts(url);
		const bodies = mintBodies({ appSecret: APP_SECRET, surveyId: facts.surveyId, units, count: 2 });
		// One submission to warm caches (survey view, rule set), then the one that is counted.
		await fetch(`${app.url}/api/v1/public/surveys/${SLUG}/responses`, {
			method: 'POST',
			headers: { 'content-type': 'application/json' },
			body: bodies[0]
		});
		await new Promise((r) => setTimeout(r, 500));
		const logFile = '/var/log/postgresql/postgresql-15-main.log';
		const before = statSync(logFile).size;
		const r = await fetch(`${app.url}/api/v1/public/surveys/${SLUG}/responses`, {
			method: 'POST',
			headers: { 'content-type': 'application/json' },
			body: bodies[1]
		});
		if (r.status !== 201) throw new Error(`submission ${r.status}`);
		await new Promise((r2) => setTimeout(r2, 800));
		const text = readFileSync(logFile).subarray(before).toString('utf8');
		// One log entry per statement; continuation lines of a multi-line statement start with a tab.
		const stmts = text
			.split(/\n(?!\t)/)
			.filter((e) => e.includes(`@${name} `) && /LOG: {2}(statement|execute [^:]*):/.test(e))
			.map((e) => e.replace(/^.*?LOG: {2}(statement|execute [^:]*): /, '').trim());
		// Writes are what the target is about; a statement outside BEGIN…COMMIT is its own transaction.
		const isWrite = (q: string) => /\b(insert\s+into|update\s+\w+\s+set|delete\s+from)\b/i.test(q);
		let open = false;
		let writes = 0;
		let transactions = 0;
		let wroteInBlock = false;
		for (const q of stmts) {
			if (/^begin/i.test(q)) [open, wroteInBlock] = [true, false];
			else if (/^(commit|rollback)/i.test(q)) open = false;
			else if (isWrite(q)) {
				writes++;
				if (!open) transactions++;
				else if (!wroteInBlock) [transactions, wroteInBlock] = [transactions + 1, true];
			}
		}
		return { total: stmts.length, writes, transactions };
	} finally {
		await app.stop();
	}
}

async function pageWeight(app: Proc): Promise<number> {
	const html = await (await fetch(`${app.url}/s/${SLUG}`)).text();
	let total = gzipSync(html).length;
	for (const m of [
		...html.matchAll(/<link[^>]+href="([^"]+\.css)"/g),
		...html.matchAll(/<script[^>]+src="([^"]+)"/g)
	]) {
		const body = Buffer.from(
			await (await fetch(new URL(m[1], `${app.url}/s/${SLUG}`))).arrayBuffer()
		);
		total += gzipSync(body).length;
	}
	return total;
}

/**
 * The respondent flow as a resident without JavaScript lives it: GET the survey page, spend at
 * least 8 s on it (the start token's minimum age), POST the form (303 to the thank-you page).
 * Steady state of an evening: a warm-up of 8.2 s in which residents only open the page, then the
 * measured window, in which every client opens the page for a new resident and submits for the
 * resident who opened it longest ago.
 */
async function flowRate(app: Proc, units: string[]): Promise<{ rps: number; statuses: string }> {
	const open = async () => {
		const r = await fetch(`${app.url}/s/${SLUG}`);
		const html = await r.text();
		const field = (name: string) =>
			new RegExp(`name="${name}" value="([^"]*)"`).exec(html)?.[1] ?? '';
		return {
			submissionId: field('submissionId'),
			startToken: field('startToken'),
			cookie: (r.headers.get('set-cookie') ?? '').split(';')[0],
			at: Date.now()
		};
	};
	const answers = new URLSearchParams({
		group: 'residents',
		area: 'A1-01',
		'q.attention': 'basic'
	});
	for (const u of units) answers.set(`r.${u}`, 'satisfied');
	const queue: Awaited<ReturnType<typeof open>>[] = [];
	const warmUntil = Date.now() + 8_200;
	await Promise.all(
		Array.from({ length: CONNECTIONS }, async () => {
			while (Date.now() < warmUntil) queue.push(await open());
		})
	);
	let flows = 0;
	const statuses: Record<number, number> = {};
	const until = Date.now() + SECONDS * 1000;
	await Promise.all(
		Array.from({ length: CONNECTIONS }, async () => {
			while (Date.now() < until) {
				queue.push(await open());
				const resident = Date.now() - queue[0].at >= 8_000 ? queue.shift() : undefined;
				if (!resident) continue;
				const body = new URLSearchParams(answers);
				body.set('submissionId', resident.submissionId);
				body.set('startToken', resident.startToken);
				const r = await fetch(`${app.url}/s/${SLUG}`, {
					method: 'POST',
					headers: {
						'content-type': 'application/x-www-form-urlencoded',
						// A browser's form post: HTML wanted (else SvelteKit answers its JSON action protocol).
						accept: 'text/html',
						origin: app.url,
						cookie: resident.cookie
					},
					body: body.toString(),
					redirect: 'manual'
				});
				statuses[r.status] = (statuses[r.status] ?? 0) + 1;
				if (r.status === 303 && r.headers.get('location')?.includes('/thanks')) flows++;
				await r.arrayBuffer();
			}
		})
	);
	return { rps: flows / SECONDS, statuses: JSON.stringify(statuses) };
}

async function pgliteRaw(): Promise<number> {
	const dir = mkdtempSync(path.join(tmpdir(), 'pingyi-pglite-raw-'));
	const handle = await openDatabase({ pgliteDir: dir });
	const db = handle.db as unknown as { execute: (q: unknown) => Promise<unknown> };
	const { sql } = await import('drizzle-orm');
	await db.execute(sql`insert into cycles (name, year, config) values ('raw', 2030, '{}')`);
	await db.execute(
		sql`insert into surveys (cycle_id, slug, title, definition) values (1, 'raw', 'raw', '{}')`
	);
	const stmt = sql.raw(
		`with s as (insert into submissions (survey_id, client_id, receipt, group_code, received_at, status, reasons, pattern) values (1, gen_random_uuid(), 'RAW', 'residents', now(), 'accepted', '{}', '${'1'.repeat(30)}') returning id) insert into ratings (submission_id, unit_id, group_id, area_id, level, value, status, day, weight) select s.id, u, 1, null, 1, 100, 0, current_date, 1 from s, unnest('{${Array.from({ length: 30 }, (_, i) => i + 1).join(',')}}'::int[]) as u`
	);
	const results: number[] = [];
	for (let r = 0; r < RUNS; r++) {
		let n = 0;
		const until = Date.now() + SECONDS * 1000;
		// PGlite has one connection: concurrent callers queue, so several in flight is the fair comparison.
		await Promise.all(
			Array.from({ length: 8 }, async () => {
				while (Date.now() < until) {
					await db.execute(stmt);
					n++;
				}
			})
		);
		results.push(n / SECONDS);
	}
	await handle.close();
	rmSync(dir, { recursive: true, force: true });
	return median(results);
}

/** PostgreSQL-backed app: baselines PGB and HELLO, submit, page, flow, page weight. */
async function httpSection() {
	// ---- PostgreSQL-backed app ----
	log('PostgreSQL: preparing database and app');
	const url = await recreateDatabase('pingyi_bench');
	const app = await startApp({ DATABASE_URL: url, APP_SECRET, ...ADMIN, DATABASE_POOL_SIZE: '16' });
	const { units } = await seedSurvey(app.url, ADMIN.ADMIN_EMAIL, ADMIN.ADMIN_PASSWORD, SLUG);
	const facts = await surveyFacts(url);

	log('baseline PGB (pgbench, 1 submission + 30 ratings per statement, 32 clients)');
	const pgb = await pgbenchBaseline(url, facts.surveyId, facts.unitIds, facts.groupId);
	log(`  PGB ${fmt(pgb)} tps`);

	log('baseline HELLO (raw Node http)');
	const hello = await startHello();
	const helloRes = await medianOf(RUNS, () =>
		load({ url: `${hello.url}/`, connections: CONNECTIONS, seconds: SECONDS })
	);
	await hello.stop();
	log(`  HELLO ${fmt(helloRes.rps)} req/s`);

	log('submit endpoint (full checks, 32 connections)');
	// A short unmeasured run first: the first seconds of a fresh process go to V8's compiler and
	// to filling caches (survey view, rule set, running medians), not to steady-state serving.
	await warmUp(`${app.url}/api/v1/public/surveys/${SLUG}/responses`, facts.surveyId, units);
	// Fresh bodies for every run: a repeated submissionId is answered by the idempotency path (200),
	// which is not what is measured here; only 201 (stored now) counts.
	const submit = await medianOf(RUNS, () => {
		const bodies = mintBodies({
			appSecret: APP_SECRET,
			surveyId: facts.surveyId,
			units,
			count: smoke ? 3000 : 30_000
		});
		let bi = 0;
		return load({
			url: `${app.url}/api/v1/public/surveys/${SLUG}/responses`,
			connections: CONNECTIONS,
			seconds: SECONDS,
			method: 'POST',
			headers: { 'content-type': 'application/json' },
			body: () => bodies[bi++ % bodies.length],
			okStatuses: [201]
		});
	});
	log(
		`  submit ${fmt(submit.rps)} req/s, p99 ${submit.p99} ms, statuses ${JSON.stringify(submit.statuses)}`
	);
	rows.push({
		goal: 'submit endpoint (1 submission + 30 ratings)',
		measured: `${fmt(submit.rps)}/s`,
		baseline: `PGB ${fmt(pgb)}/s`,
		ratio: submit.rps / pgb,
		target: '≥ 0.35',
		met: submit.rps / pgb >= 0.35
	});
	rows.push({
		goal: 'submit p99 latency',
		measured: `${submit.p99} ms`,
		baseline: '—',
		ratio: null,
		target: '≤ 50 ms',
		met: submit.p99 <= 50
	});

	log('survey page GET');
	await load({ url: `${app.url}/s/${SLUG}`, connections: CONNECTIONS, seconds: smoke ? 1 : 3 });
	const page = await medianOf(RUNS, () =>
		load({ url: `${app.url}/s/${SLUG}`, connections: CONNECTIONS, seconds: SECONDS })
	);
	rows.push({
		goal: 'survey page GET (30 units)',
		measured: `${fmt(page.rps)}/s`,
		baseline: `HELLO ${fmt(helloRes.rps)}/s`,
		ratio: page.rps / helloRes.rps,
		target: '≥ 0.10',
		met: page.rps / helloRes.rps >= 0.1
	});

	log('full respondent flow (GET the page, ≥ 8 s later POST the form)');
	const flows: number[] = [];
	for (let i = 0; i < RUNS; i++) {
		const f = await flowRate(app, units);
		log(`  flow ${fmt(f.rps)}/s, statuses ${f.statuses}`);
		flows.push(f.rps);
	}
	const flow = median(flows);
	rows.push({
		goal: 'full respondent flow (GET + POST)',
		measured: `${fmt(flow)}/s`,
		baseline: `PGB ${fmt(pgb)}/s`,
		ratio: flow / pgb,
		target: '≥ 0.10',
		met: flow / pgb >= 0.1,
		note: 'page GET + form POST, no-JS resident (no proof of work)'
	});

	const weight = await pageWeight(app);
	rows.push({
		goal: 'respondent page weight (gzip, 30 units)',
		measured: `${fmt(weight / 1024, 1)} KB`,
		baseline: '—',
		ratio: null,
		target: '≤ 37 KB',
		met: weight <= 37 * 1024
	});
	await app.stop();
}

/** Statements per submission, from PostgreSQL's statement log. */
async function statementsSection() {
	log('statements per submission (PostgreSQL statement log)');
	const stmts = await statementsPerSubmission();
	rows.push({
		goal: 'statements per submission',
		measured: `${stmts.writes} writing in ${stmts.transactions} transaction (${stmts.total} in all, with reads)`,
		baseline: '—',
		ratio: null,
		target: '≤ 3',
		met: stmts.writes <= 3 && stmts.transactions === 1
	});
}

/** County-sized data: dashboard, recompute, storage, retrospective pass. */
async function countySection() {
	// ---- county-sized data ----
	const total = smoke ? 20_000 : 1_000_000;
	let data: { url: string; cycleId: number };
	if (!smoke && (await databaseExists(DATA_DB)) && !process.argv.includes('--fresh-data')) {
		const sql = postgres(dbUrl(DATA_DB), { max: 1, onnotice: () => {} });
		const [c] = await sql`select id from cycles order by id limit 1`;
		const [n] = await sql`select count(*)::int as n from submissions`;
		// A retrospective pass that changed decisions rewrote ratings: dead rows would inflate the
		// storage figure, so such a dataset is built again.
		const [changed] =
			await sql`select count(*)::int as n from audit_log where action = 'survey.recheck' and (detail->>'changed')::int > 0`;
		await sql.end();
		if (Number(n.n) === total && Number(changed.n) === 0) {
			data = { url: dbUrl(DATA_DB), cycleId: Number(c.id) };
			log(`reusing ${DATA_DB} (${fmt(total)} submissions; --fresh-data rebuilds it)`);
		} else {
			log(`building ${fmt(total)} submissions × 30 ratings with COPY…`);
			data = await buildData(total);
		}
	} else {
		log(`building ${fmt(total)} submissions × 30 ratings with COPY…`);
		const r = await buildData(total);
		data = r;
		log(`  built in ${fmt(r.seconds)} s`);
	}
	const handle = await openDatabase({ url: data.url, poolSize: 4 });
	const db = handle.db;
	const sql = postgres(data.url, { max: 1, onnotice: () => {} });
	const dash: number[] = [];
	const roll: number[] = [];
	for (let i = 0; i < 7; i++) {
		roll.push(await timeMs(() => aggregateRollups(db, data.cycleId)));
		dash.push(await timeMs(() => computeLiveScores(db, data.cycleId)));
	}
	const dashMs = median(dash.slice(2));
	const rollMs = median(roll.slice(2));
	rows.push({
		goal: `dashboard per-unit scores (${fmt(total)} submissions)`,
		measured: `${fmt(dashMs, 1)} ms`,
		baseline: `roll-up query ${fmt(rollMs, 1)} ms`,
		ratio: dashMs / rollMs,
		target: '≤ 100 ms',
		met: dashMs <= 100
	});

	const scan: number[] = [];
	const full: number[] = [];
	for (let i = 0; i < (smoke ? 1 : 3); i++) {
		// Q2 of ../shared/research/performance-anchors.md: one scan of ratings, per-unit average.
		scan.push(await timeMs(() => sql`select unit_id, avg(value) from ratings group by unit_id`));
		full.push(await timeMs(() => aggregateRatings(db, data.cycleId)));
	}
	const scanMs = median(scan);
	const fullMs = median(full);
	rows.push({
		goal: `full recompute from raw ratings (${fmt(total * 30)} ratings)`,
		measured: `${fmt(fullMs)} ms`,
		baseline: `one-scan per-unit avg (Q2) ${fmt(scanMs)} ms`,
		ratio: fullMs / scanMs,
		target: '≤ 1.5',
		met: fullMs / scanMs <= 1.5
	});

	const [size] =
		await sql`select pg_total_relation_size('ratings')::float8 as bytes, (select count(*) from ratings)::float8 as n`;
	const bpr = Number(size.bytes) / Number(size.n);
	rows.push({
		goal: 'storage per rating incl. indexes',
		measured: `${fmt(bpr, 1)} B`,
		baseline: '—',
		ratio: null,
		target: '≤ 90 B',
		met: bpr <= 90
	});

	const [s] = await sql`select slug from surveys where slug = 'bench-recheck'`;
	// Twice: the generated data was never decided under the current rules, so the first pass
	// rewrites every decision (the worst case: 200k decision rows, 6M ratings updated); the second
	// is the pass as the office runs it after a rule change that moves a few decisions.
	for (const pass of ['first pass', 'second pass'] as const) {
		const summary = { changed: 0 };
		const secs =
			(await timeMs(async () => {
				Object.assign(summary, await recheckSurvey(db, String(s.slug), systemActor));
			})) / 1000;
		rows.push({
			goal: `retrospective anti-fraud pass (${fmt(total / 5)} submissions), ${pass}`,
			measured: `${fmt(secs, 1)} s`,
			baseline: '—',
			ratio: null,
			target: '≤ 60 s',
			met: secs <= 60,
			note: `${fmt(summary.changed)} decisions changed`
		});
	}
	await sql.end();
	await handle.close();
}

/** PGlite: app submit rate vs PGlite's raw insert rate. */
async function pgliteSection() {
	// ---- PGlite ----
	log('PGlite: app submit rate vs PGlite raw insert rate');
	const raw = await pgliteRaw();
	const dir = mkdtempSync(path.join(tmpdir(), 'pingyi-pglite-app-'));
	const lite = await startApp({ PGLITE_DIR: dir, APP_SECRET, ...ADMIN });
	const seeded = await seedSurvey(lite.url, ADMIN.ADMIN_EMAIL, ADMIN.ADMIN_PASSWORD, SLUG);
	await warmUp(`${lite.url}/api/v1/public/surveys/${SLUG}/responses`, 1, seeded.units);
	const liteSubmit = await medianOf(RUNS, () => {
		const liteBodies = mintBodies({
			appSecret: APP_SECRET,
			surveyId: 1,
			units: seeded.units,
			count: smoke ? 1000 : 15_000
		});
		let li = 0;
		return load({
			url: `${lite.url}/api/v1/public/surveys/${SLUG}/responses`,
			connections: CONNECTIONS,
			seconds: SECONDS,
			method: 'POST',
			headers: { 'content-type': 'application/json' },
			body: () => liteBodies[li++ % liteBodies.length],
			okStatuses: [201]
		});
	});
	await lite.stop();
	rmSync(dir, { recursive: true, force: true });
	rows.push({
		goal: 'PGlite submit rate',
		measured: `${fmt(liteSubmit.rps)}/s`,
		baseline: `raw insert ${fmt(raw)}/s`,
		ratio: liteSubmit.rps / raw,
		target: '≥ 0.8',
		met: liteSubmit.rps / raw >= 0.8
	});
}

/** An unmeasured submit load of a few seconds. */
async function warmUp(url: string, surveyId: number, units: string[]): Promise<void> {
	const bodies = mintBodies({ appSecret: APP_SECRET, surveyId, units, count: smoke ? 1000 : 6000 });
	let bi = 0;
	await load({
		url,
		connections: CONNECTIONS,
		seconds: smoke ? 1 : 3,
		method: 'POST',
		headers: { 'content-type': 'application/json' },
		body: () => bodies[bi++ % bodies.length]
	});
}

/** Submissions to every app process at once (connections split evenly), summed. */
async function submitToAll(urls: string[], surveyId: number, units: string[]): Promise<LoadResult> {
	const results = await Promise.all(
		urls.map((u) => {
			const bodies = mintBodies({
				appSecret: APP_SECRET,
				surveyId,
				units,
				count: smoke ? 2000 : 15_000
			});
			let bi = 0;
			return load({
				url: `${u}/api/v1/public/surveys/${SLUG}/responses`,
				connections: CONNECTIONS / urls.length,
				seconds: SECONDS,
				method: 'POST',
				headers: { 'content-type': 'application/json' },
				body: () => bodies[bi++ % bodies.length],
				okStatuses: [201]
			});
		})
	);
	return {
		rps: results.reduce((a, r) => a + r.rps, 0),
		p99: Math.max(...results.map((r) => r.p99)),
		ok: results.reduce((a, r) => a + r.ok, 0),
		errors: results.reduce((a, r) => a + r.errors, 0),
		statuses: {}
	};
}

/** The scale-out path (DESIGN.md §3): two app processes on one PostgreSQL vs one, same load. */
async function scaleSection() {
	log('submit: one app process vs two on one PostgreSQL');
	const url = await recreateDatabase('pingyi_bench_scale');
	const env = { DATABASE_URL: url, APP_SECRET, ...ADMIN, DATABASE_POOL_SIZE: '8' };
	const a = await startApp(env);
	const { units } = await seedSurvey(a.url, ADMIN.ADMIN_EMAIL, ADMIN.ADMIN_PASSWORD, SLUG);
	const b = await startApp(env);
	const { surveyId } = await surveyFacts(url);
	await warmUp(`${a.url}/api/v1/public/surveys/${SLUG}/responses`, surveyId, units);
	await warmUp(`${b.url}/api/v1/public/surveys/${SLUG}/responses`, surveyId, units);
	const one = await medianOf(RUNS, () => submitToAll([a.url], surveyId, units));
	const two = await medianOf(RUNS, () => submitToAll([a.url, b.url], surveyId, units));
	await Promise.all([a.stop(), b.stop()]);
	log(
		`  one process ${fmt(one.rps)}/s (p99 ${one.p99} ms), two ${fmt(two.rps)}/s (p99 ${two.p99} ms)`
	);
	rows.push({
		goal: 'submit with two app processes (one PostgreSQL)',
		measured: `${fmt(two.rps)}/s, p99 ${two.p99} ms`,
		baseline: `one process ${fmt(one.rps)}/s, p99 ${one.p99} ms`,
		ratio: two.rps / one.rps,
		target: '—',
		met: null,
		note: `${cpus().length} cores`
	});
}

async function main() {
	const started = Date.now();
	const build = path.join(ROOT, process.env.BUILD_DIR ?? 'build', 'handler.js');
	try {
		statSync(build);
	} catch {
		log('building the app…');
		execFileSync('npm', ['run', 'build'], { stdio: 'inherit', cwd: ROOT });
	}

	const sections = {
		http: httpSection,
		statements: statementsSection,
		scale: scaleSection,
		county: countySection,
		pglite: pgliteSection
	};
	// `--only http,county` runs a subset (while working on one path); the default runs everything.
	const onlyArg = process.argv.indexOf('--only');
	const only = onlyArg >= 0 ? process.argv[onlyArg + 1].split(',') : Object.keys(sections);
	for (const [name, run] of Object.entries(sections)) if (only.includes(name)) await run();

	print();
	mkdirSync(path.join(ROOT, 'bench', 'results'), { recursive: true });
	const file = path.join(
		ROOT,
		'bench',
		'results',
		`${new Date().toISOString().replace(/[:.]/g, '-')}${smoke ? '-smoke' : ''}.json`
	);
	writeFileSync(
		file,
		JSON.stringify(
			{
				at: new Date().toISOString(),
				smoke,
				runs: RUNS,
				seconds: SECONDS,
				connections: CONNECTIONS,
				rows,
				durationSeconds: (Date.now() - started) / 1000
			},
			null,
			2
		)
	);
	log(`results written to ${path.relative(ROOT, file)} (${fmt((Date.now() - started) / 1000)} s)`);
}

function print() {
	const header = ['goal', 'measured', 'baseline', 'ratio', 'target', 'met'];
	const table = rows.map((r) => [
		r.goal + (r.note ? ` (${r.note})` : ''),
		r.measured,
		r.baseline,
		r.ratio === null ? '—' : r.ratio.toFixed(3),
		r.target,
		r.met === null ? '—' : r.met ? 'yes' : 'NO'
	]);
	const widths = header.map((h, i) => Math.max(h.length, ...table.map((t) => t[i].length)));
	const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i])).join(' | ');
	console.log(line(header));
	console.log(widths.map((w) => '-'.repeat(w)).join('-|-'));
	for (const t of table) console.log(line(t));
}

main().catch((err) => {
	console.error(err);
	process.exit(1);
});
