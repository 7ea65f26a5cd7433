/**
 * The retrospective pass at county scale on PostgreSQL (issue 6: ≤ 60 s for 200k submissions):
 * `npx vite-node tests/simulator/recheck-bench.ts [-- --n 200000 --url postgres://…]`.
 * Creates a throwaway database, fills it with set-based SQL (submissions with 30 ratings each,
 * a tenth of them with comments), then times the pass with nothing to change and after a rule-set
 * change that moves several thousand decisions.
 */
import './kit-env';
import { sql } from 'drizzle-orm';
import { openDatabase } from '../../src/lib/server/db/client';
import { createPostgresTestDatabase } from '../../src/lib/server/db/testing';
import { rowsOf } from '../../src/lib/server/db/rows';
import { recheckSurvey } from '../../src/lib/server/fraud/recheck';
import { createRuleSet } from '../../src/lib/server/fraud/rules';
import { forgetSurveyView } from '../../src/lib/server/surveys/survey-view';
import { setupCounty, simActor } from './harness';

function arg(name: string): string | undefined {
	const i = process.argv.indexOf(`--${name}`);
	return i >= 0 ? process.argv[i + 1] : undefined;
}

const n = Number(arg('n') ?? 200_000);
const url = arg('url') ?? process.env.TEST_DATABASE_URL ?? 'postgres://root@127.0.0.1:5432/test';
const created = await createPostgresTestDatabase(url);
const handle = await openDatabase({ url: created.dbUrl, poolSize: 4 });
const db = handle.db;
try {
	const start = Date.parse('2031-03-01T00:00:00+08:00');
	const { cycleId, view } = await setupCounty(db, {
		slug: 'bench',
		townships: 10,
		villagesPerTownship: 3,
		departments: 20,
		opensAt: new Date(start - 86_400_000),
		closesAt: new Date(start + 30 * 86_400_000),
		attention: true
	});
	const t0 = Date.now();
	// 14 days of answers: durations around 150 s, don't-know for most units, a few per device twice.
	await db.execute(sql`
		insert into submissions (survey_id, client_id, receipt, group_code, area_code, source, received_at,
			started_at, duration_ms, pow_ms, identity_tier, ip_prefix_hash, device_hash, ua_class, status, risk,
			weight, reasons, rule_set_version, answers, pattern, network_type, network_scope)
		select ${view.survey.id}::int, gen_random_uuid(), 'R' || g, 'residents',
			'T' || lpad((1 + g % 10)::text, 2, '0') || '-V' || (1 + (g / 10) % 3),
			'live', to_timestamp(${start / 1000}::float8 + g * ${(14 * 86_400) / n}::float8),
			to_timestamp(${start / 1000}::float8 + g * ${(14 * 86_400) / n}::float8 - d.ms / 1000.0),
			d.ms, 500 + (g * 7919) % 900, 'device', md5('net' || (g % 5000)), md5('dev' || (g % (${n}::int - 3000))),
			'wechat', 'accepted', 0, 1, '{}', 1, '{"attention":"basic"}'::jsonb, p.pattern, 'mobile', 'county'
		from generate_series(1, ${n}::int) as g
		cross join lateral (select (60000 + 180000 * random())::int + g * 0 as ms) d
		cross join lateral (
			select string_agg(case when random() < 0.7 then '0' else (1 + floor(random() * 3))::int::text end, '') as pattern
			from generate_series(1, 30) k where k > g * 0
		) p`);
	await db.execute(sql`
		insert into ratings (submission_id, unit_id, group_id, area_id, level, value, status, day, weight)
		select s.id, u.id, ${view.groups[0].id}::int, null, substr(s.pattern, u.i::int, 1)::int,
			case substr(s.pattern, u.i::int, 1) when '1' then 100 when '2' then 80 when '3' then 60 when '4' then 0 end,
			0, (s.received_at at time zone 'Asia/Shanghai')::date, 1
		from submissions s
		cross join (select id, row_number() over (order by ord) as i from
			unnest(${`{${view.units.map((u) => u.id).join(',')}}`}::int[]) with ordinality as x(id, ord)) u
		where s.survey_id = ${view.survey.id}`);
	await db.execute(sql`
		insert into comments (submission_id, survey_id, unit_id, body)
		select id, survey_id, null, '希望多关心老年人，办事效率再提高一些' from submissions
		where survey_id = ${view.survey.id} and id % 10 = 0`);
	await db.execute(sql`analyze`);
	const counts = rowsOf<{ s: string; r: string }>(
		await db.execute(
			sql`select (select count(*) from submissions) as s, (select count(*) from ratings) as r`
		)
	)[0];
	console.log(
		`filled ${counts.s} submissions, ${counts.r} ratings in ${((Date.now() - t0) / 1000).toFixed(1)} s`
	);

	const first = await recheckSurvey(db, 'bench', simActor);
	console.log(
		`pass 1 (stored decisions came from no checks at all): ${first.changed} of ${first.submissions} changed, ${(first.ms / 1000).toFixed(1)} s`
	);
	const second = await recheckSurvey(db, 'bench', simActor);
	console.log(
		`pass 2 (nothing to change): ${second.changed} changed, ${(second.ms / 1000).toFixed(1)} s`
	);
	await createRuleSet(db, simActor, cycleId, {
		rules: { speed: { hard: 0.45, soft: 0.55 } },
		reason: 'bench'
	});
	forgetSurveyView('bench');
	const third = await recheckSurvey(db, 'bench', simActor);
	console.log(
		`pass 3 (after a rule-set change): ${third.changed} changed ${JSON.stringify(third.transitions)}, ${(third.ms / 1000).toFixed(1)} s`
	);
} finally {
	await handle.close();
	await created.drop();
}
process.exit(0);
