/**
 * `npm run bench:data`: a county-sized dataset for the dashboard, recompute and storage figures —
 * one cycle of 30 units, 1,000,000 submissions (800k in one survey, 200k in another for the
 * retrospective pass) and 30,000,000 ratings, loaded with COPY into `pingyi_bench_data`.
 * `--smoke` builds 20,000 submissions instead.
 */
import { once } from 'node:events';
import postgres from 'postgres';
import { eq } from 'drizzle-orm';
import { openDatabase } from '../src/lib/server/db/client';
import { importCycle } from '../src/lib/server/cycles/cycle-document';
import { cycleDocumentSchema } from '../src/lib/schemas/cycle-document';
import { survey, unit, group, area } from '../src/lib/server/db/schema';
import { refreshRollups } from '../src/lib/server/scoring/aggregate';
import { recreateDatabase } from './lib/setup';

export const DATA_DB = 'pingyi_bench_data';

export async function buildData(
	total: number
): Promise<{ url: string; cycleId: number; seconds: number }> {
	const started = performance.now();
	const url = await recreateDatabase(DATA_DB);
	const handle = await openDatabase({ url, poolSize: 2 });
	const db = handle.db;
	const units = Array.from({ length: 30 }, (_, i) => ({
		code: `U${String(i + 1).padStart(2, '0')}`,
		name: `单位${i + 1}`,
		category: i < 12 ? 'township' : i < 21 ? 'frontline' : 'general',
		area: i < 12 ? `T${i + 1}` : undefined
	}));
	const areas = units.slice(0, 12).flatMap((u, i) => [
		{ code: `T${i + 1}`, name: `镇${i + 1}`, population: 20000 },
		...[1, 2, 3, 4].map((v) => ({
			code: `T${i + 1}-${v}`,
			name: `村${v}`,
			parent: `T${i + 1}`,
			population: 3000 + v * 1000
		}))
	]);
	const doc = cycleDocumentSchema.parse({
		cycle: { name: 'bench data', year: 2030 },
		groups: [
			{ code: 'residents', label: '群众' },
			{ code: 'service_recipients', label: '服务对象' },
			{ code: 'deputies', label: '两代表一委员', minValid: 15 }
		],
		categories: [
			{
				code: 'township',
				name: '乡镇',
				weights: { residents: 0.5, deputies: 0.3, service_recipients: 0.2 }
			},
			{
				code: 'frontline',
				name: '窗口',
				weights: { service_recipients: 0.4, residents: 0.3, deputies: 0.3 }
			},
			{
				code: 'general',
				name: '综合',
				weights: { deputies: 0.5, service_recipients: 0.3, residents: 0.2 }
			}
		],
		areas,
		units,
		surveys: [
			{ slug: 'bench-big', title: 'big', groups: ['residents', 'service_recipients', 'deputies'] },
			{
				slug: 'bench-recheck',
				title: 'recheck',
				groups: ['residents', 'service_recipients', 'deputies']
			}
		]
	});
	const cycleId = await importCycle(db, { id: null, label: 'bench' }, doc);
	await db.update(survey).set({ status: 'published' });
	const surveys = await db.select().from(survey);
	const unitRows = await db.select().from(unit).where(eq(unit.cycleId, cycleId));
	const groupRows = await db.select().from(group).where(eq(group.cycleId, cycleId));
	const villageRows = (await db.select().from(area).where(eq(area.cycleId, cycleId))).filter(
		(a) => a.parentId
	);
	await handle.close();

	const sql = postgres(url, { max: 1, onnotice: () => {} });
	const bigId = surveys.find((s) => s.slug === 'bench-big')!.id;
	const recheckId = surveys.find((s) => s.slug === 'bench-recheck')!.id;
	const recheckCount = Math.round(total / 5);
	const values = [100, 80, 60, 0];
	let seed = 12345;
	const rnd = () => (seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff;
	const t0 = Date.UTC(2030, 10, 1);

	// Submissions first: identity ids come out 1..total in COPY order, which ratings refer to.
	const subs =
		await sql`copy submissions (survey_id, client_id, receipt, group_code, area_code, channel, source, received_at, started_at, duration_ms, pow_ms, identity_tier, ip_prefix_hash, device_hash, ua_class, status, risk, weight, reasons, rule_set_version, pattern) from stdin`.writable();
	type PendingRatings = {
		sid: number;
		group: number;
		area: number;
		day: string;
		pattern: number[];
	};
	const ratings: PendingRatings[] = [];
	const pending: PendingRatings[] = [];
	const writeRatings = () => {
		for (const r of ratings.splice(0)) pending.push(r);
	};
	const subRows: string[] = [];
	const flush = async (stream: NodeJS.WritableStream, rows: string[]) => {
		if (!rows.length) return;
		if (!stream.write(rows.join(''))) await once(stream, 'drain');
		rows.length = 0;
	};
	for (let i = 1; i <= total; i++) {
		const g = rnd() < 0.75 ? 0 : rnd() < 0.8 ? 1 : 2;
		const village = villageRows[Math.floor(rnd() * villageRows.length)];
		const at = new Date(t0 + Math.floor(rnd() * 20 * 86400_000));
		const pattern = unitRows.map(() => (rnd() < 0.1 ? 0 : 1 + Math.floor(rnd() ** 2 * 4)));
		const status = rnd() < 0.02 ? 'quarantined' : rnd() < 0.03 ? 'flagged' : 'accepted';
		subRows.push(
			`${i <= total - recheckCount ? bigId : recheckId}\t${crypto.randomUUID()}\tB${i}\t${groupRows[g].code}\t${village.code}\tpush\tlive\t${at.toISOString()}\t${new Date(at.getTime() - 120_000).toISOString()}\t${60000 + Math.floor(rnd() * 120000)}\t800\tdevice\tn${Math.floor(rnd() * 5000)}\td${i}\tmobile\t${status}\t0\t1\t{}\t1\t${pattern.join('')}\n`
		);
		ratings.push({
			sid: i,
			group: groupRows[g].id,
			area: village.id,
			day: at.toISOString().slice(0, 10),
			pattern
		});
		if (subRows.length >= 5000) await flush(subs, subRows);
		if (ratings.length >= 20000) writeRatings();
	}
	await flush(subs, subRows);
	subs.end();
	await once(subs, 'finish');

	writeRatings();
	const ratingStream =
		await sql`copy ratings (submission_id, unit_id, group_id, area_id, level, value, status, day, weight) from stdin`.writable();
	const lines: string[] = [];
	for (const r of pending) {
		for (let u = 0; u < unitRows.length; u++) {
			const level = r.pattern[u];
			lines.push(
				`${r.sid}\t${unitRows[u].id}\t${r.group}\t${r.area}\t${level}\t${level ? values[level - 1] : '\\N'}\t0\t${r.day}\t1\n`
			);
		}
		if (lines.length >= 30000) await flush(ratingStream, lines);
	}
	await flush(ratingStream, lines);
	ratingStream.end();
	await once(ratingStream, 'finish');
	// Ratings copy the submission's status (see the pipeline); done set-based here.
	await sql`update ratings r set status = case s.status when 'flagged' then 1 when 'quarantined' then 2 else 0 end from submissions s where s.id = r.submission_id and s.status <> 'accepted'`;
	await sql`vacuum analyze submissions`;
	await sql`vacuum analyze ratings`;
	await sql.end();
	const h2 = await openDatabase({ url, poolSize: 2 });
	await refreshRollups(h2.db, cycleId);
	await h2.close();
	return { url, cycleId, seconds: (performance.now() - started) / 1000 };
}

// Run directly (vite-node puts its own CLI first in argv), not when bench/run.ts imports it.
if (process.argv.some((a) => a.endsWith('bench/data.ts'))) {
	const smoke = process.argv.includes('--smoke');
	const total = smoke ? 20_000 : 1_000_000;
	buildData(total)
		.then((r) =>
			console.log(
				`bench data: ${total} submissions, ${total * 30} ratings in ${r.seconds.toFixed(0)} s (cycle ${r.cycleId})`
			)
		)
		.catch((err) => {
			console.error(err);
			process.exit(1);
		});
}
