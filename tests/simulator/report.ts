/**
 * `npm run fraud:report [-- --seeds 1,2,3 --persons 16000 --recheck]`: runs the labelled traffic
 * simulator for a few seeds and prints the figures issue 6 sets as targets, each with its target.
 */
import './kit-env';
import { spawn } from 'node:child_process';
import { simulate, type GroupStat, type Measures, type SimResult } from './run';

function arg(name: string): string | undefined {
	const i = process.argv.indexOf(`--${name}`);
	return i >= 0 ? process.argv[i + 1] : undefined;
}

const seeds = (arg('seeds') ?? '1,2,3').split(',').map(Number);
const persons = Number(arg('persons') ?? 12_000);
const recheck = process.argv.includes('--recheck');
const rulesArg = arg('rules');
const rules = rulesArg ? (JSON.parse(rulesArg) as Record<string, unknown>) : undefined;
const parallel = Number(arg('parallel') ?? 2);

const pct = (x: number) => `${(100 * x).toFixed(2)} %`;
const share = (g: GroupStat | undefined, what: 'excluded' | 'flagged') =>
	g && g.n ? g[what] / g.n : 0;

interface Row {
	figure: string;
	target: string;
	ok: (v: number) => boolean;
	value: (m: Measures, r: SimResult) => number;
	format: (v: number) => string;
}

const honestSub = [
	'honest:shared_network',
	'honest:all_satisfied',
	'honest:out_of_county',
	'honest:elderly',
	'honest:household_second',
	'honest:surge_push',
	'honest:surge_meeting',
	'honest:surge_promo'
];

const rows: Row[] = [
	{
		figure: 'honest submissions excluded',
		target: '≤ 0.5 %',
		ok: (v) => v <= 0.005,
		value: (m) => share(m.groups.honest, 'excluded'),
		format: pct
	},
	{
		figure: '  (those with JavaScript)',
		target: '(reference)',
		ok: () => true,
		value: (m) => share(m.groups['honest:with_js'], 'excluded'),
		format: pct
	},
	...honestSub.map((g) => ({
		figure: `  ${g.slice(7)} excluded`,
		target: '≤ 1 %',
		ok: (v: number) => v <= 0.01,
		value: (m: Measures) => share(m.groups[g], 'excluded'),
		format: pct
	})),
	{
		figure: 'honest submissions flagged',
		target: '≤ 3 %',
		ok: (v) => v <= 0.03,
		value: (m) => share(m.groups.honest, 'flagged'),
		format: pct
	},
	{
		figure: 'naive bots excluded',
		target: '≥ 99.9 %',
		ok: (v) => v >= 0.999,
		value: (m) => share(m.groups.bot_naive, 'excluded'),
		format: pct
	},
	{
		figure: 'headless bots excluded',
		target: '≥ 90 %',
		ok: (v) => v >= 0.9,
		value: (m) => share(m.groups.bot_headless, 'excluded'),
		format: pct
	},
	{
		figure: 'phone-farm bots excluded',
		target: '(no target)',
		ok: () => true,
		value: (m) => share(m.groups.bot_farm, 'excluded'),
		format: pct
	},
	{
		figure: 'repeat submissions with an identity excluded',
		target: '≥ 95 %',
		ok: (v) => v >= 0.95,
		value: (m) => share(m.groups['repeater:repeat_identity'], 'excluded'),
		format: pct
	},
	...(
		[
			['same', 'identical answers'],
			['close', '1–3 units differ'],
			['far', '≥ 4 units differ'],
			['same_soon', 'identical, within 2 h'],
			['close_soon', '1–3 differ, within 2 h']
		] as const
	).map(([k, label]) => ({
		figure: `  device-cookie repeats, ${label}`,
		target: '(reference)',
		ok: () => true,
		value: (m: Measures) => share(m.groups[`repeater:identity:${k}`], 'excluded'),
		format: (v: number) => pct(v)
	})),
	{
		figure: '  repeats without identity (cookie cleared)',
		target: '(no target)',
		ok: () => true,
		value: (m) => share(m.groups['repeater:repeat_no_identity'], 'excluded'),
		format: pct
	},
	{
		figure: 'careless answerers excluded',
		target: '≥ 70 %',
		ok: (v) => v >= 0.7,
		value: (m) => share(m.groups.careless, 'excluded'),
		format: pct
	},
	{
		figure: 'campaign submissions excluded (for reference)',
		target: '(no target)',
		ok: () => true,
		value: (m) => share(m.groups.campaign, 'excluded'),
		format: pct
	},
	{
		figure: 'smear submissions excluded (for reference)',
		target: '(no target)',
		ok: () => true,
		value: (m) => share(m.groups.smear, 'excluded'),
		format: pct
	},
	{
		figure: 'campaign waves alerted within 2 h',
		target: '3 of 3',
		ok: (v) => v === 3,
		value: (_m, r) =>
			r.waves.filter((w) => w.alertedAfterMinutes !== null && w.alertedAfterMinutes <= 120).length,
		format: (v) => `${v} of 3`
	},
	{
		figure: 'target residual inflation (points)',
		target: '≤ 0.5',
		ok: (v) => v <= 0.5,
		value: (m) => (m.scores.target.published ?? NaN) - (m.scores.target.honest ?? NaN),
		format: (v) => v.toFixed(2)
	},
	{
		figure: '  target raw inflation without defences',
		target: '(reference)',
		ok: () => true,
		value: (m) => (m.scores.target.raw ?? NaN) - (m.scores.target.honest ?? NaN),
		format: (v) => v.toFixed(2)
	},
	{
		figure: 'target rank changed (published vs honest-only)',
		target: 'no',
		ok: (v) => v === 0,
		value: (m) => (m.scores.target.rank === m.scores.target.honestRank ? 0 : 1),
		format: (v) => (v ? 'yes' : 'no')
	},
	{
		figure: '  smear victim residual (points)',
		target: '(reference)',
		ok: () => true,
		value: (m) => (m.scores.victim.published ?? NaN) - (m.scores.victim.honest ?? NaN),
		format: (v) => v.toFixed(2)
	},
	{
		figure: '  other townships: mean |published − honest|',
		target: '(reference)',
		ok: () => true,
		value: (m) => m.scores.othersMae,
		format: (v) => v.toFixed(2)
	},
	{
		figure: 'unit alerts on honest traffic (surges included)',
		target: '0',
		ok: (v) => v === 0,
		value: (m) => m.alerts.falseBurst.length,
		format: (v) => String(v)
	},
	{
		figure: 'template alerts mostly of honest answers',
		target: '(no target)',
		ok: () => true,
		value: (m) => m.alerts.templateMostlyHonest,
		format: (v) => String(v)
	},
	{
		figure: 'raw IPs stored or logged',
		target: '0',
		ok: (v) => v === 0,
		value: (_m, r) => r.rawIpHits.database + r.rawIpHits.logs,
		format: (v) => String(v)
	}
];

function table(title: string, results: SimResult[], pick: (r: SimResult) => Measures | undefined) {
	const head = ['figure', 'target', ...results.map((r) => `seed ${r.seed}`)];
	const body = rows.map((row) => [
		row.figure,
		row.target,
		...results.map((r) => {
			const m = pick(r);
			if (!m) return '—';
			const v = row.value(m, r);
			return `${row.format(v)}${row.ok(v) ? '' : '  ✗'}`;
		})
	]);
	const widths = head.map((_, i) => Math.max(...[head, ...body].map((l) => l[i].length)));
	console.log(`\n${title}`);
	console.log(head.map((h, i) => h.padEnd(widths[i])).join(' │ '));
	console.log(widths.map((w) => '─'.repeat(w)).join('─┼─'));
	for (const l of body) console.log(l.map((c, i) => c.padEnd(widths[i])).join(' │ '));
}

if (process.argv.includes('--child')) {
	// One seed in its own process (seeds run in parallel: PGlite is single-threaded).
	const r = await simulate({
		seed: seeds[0],
		honestPersons: persons,
		recheck,
		rules,
		attribution: process.argv.includes('--why'),
		log: (l) => console.error(l)
	});
	process.stdout.write(`\n@@RESULT@@${JSON.stringify(r)}\n`);
	process.exit(0);
}

function runChild(seed: number): Promise<SimResult> {
	// vite-node leaves [node, vite-node, ...options] in argv: the script path is put back.
	const args = [
		process.argv[1],
		import.meta.filename,
		...process.argv.slice(2).filter((a, i, all) => a !== '--seeds' && all[i - 1] !== '--seeds'),
		'--seeds',
		String(seed),
		'--child'
	];
	return new Promise((resolve, reject) => {
		const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'inherit'] });
		let out = '';
		child.stdout.on('data', (d) => (out += d));
		child.on('exit', (code) => {
			const line = out.split('\n').find((l) => l.startsWith('@@RESULT@@'));
			if (code !== 0 || !line) reject(new Error(`seed ${seed} failed (${code})`));
			else resolve(JSON.parse(line.slice('@@RESULT@@'.length)) as SimResult);
		});
	});
}

const results: SimResult[] = [];
const queue = [...seeds];
const running: Promise<void>[] = [];
const done = new Map<number, SimResult>();
for (let w = 0; w < Math.max(1, parallel); w++) {
	running.push(
		(async () => {
			for (let seed = queue.shift(); seed !== undefined; seed = queue.shift()) {
				done.set(seed, await runChild(seed));
			}
		})()
	);
}
await Promise.all(running);
for (const seed of seeds) {
	const r = done.get(seed)!;
	results.push(r);
	console.error(
		`seed ${seed}: ${r.submissions} events, ${r.stored} stored, ${(r.ms / 1000).toFixed(0)} s; waves ${r.waves
			.map((w) => (w.alertedAfterMinutes === null ? 'missed' : `${w.alertedAfterMinutes} min`))
			.join(', ')}`
	);
	for (const f of r.live.alerts.falseBurst) {
		console.error(`  unit alert on honest traffic: ${f.unit} ${f.windowStart} (${f.during})`);
	}
	if (process.argv.includes('--why')) {
		const top = (o: Record<string, number>) =>
			Object.entries(o)
				.sort((a, b) => b[1] - a[1])
				.slice(0, 40)
				.map(([k, n]) => `    ${n} × ${k}`)
				.join('\n');
		console.error(`  honest excluded:\n${top(r.live.honestReasons.excluded)}`);
		console.error(`  honest flagged:\n${top(r.live.honestReasons.flagged)}`);
		console.error(`  careless still counted:\n${top(r.live.honestReasons.carelessCounted)}`);
		for (const [label, a] of Object.entries(r.live.scores.attribution ?? {})) {
			console.error(
				`  counted ${label} answers move other townships by ${a.others.toFixed(2)}, the target by ${a.target.toFixed(2)}`
			);
		}
		for (const t of r.live.scores.townships) {
			console.error(
				`  ${t.unit}: published ${t.published?.toFixed(2)} (#${t.rank}) honest ${t.honest?.toFixed(2)} (#${t.honestRank})`
			);
		}
	}
}

console.log(
	`Pingyi anti-fraud simulator${rules ? ` (rule changes ${JSON.stringify(rules)})` : ''}: ${persons} honest residents over 14 days plus careless answerers, repeaters, bots, a campaign, a smear and honest surges (tests/simulator/model.ts).`
);
table('Live (pipeline + detectors every 30 simulated minutes)', results, (r) => r.live);
if (recheck) table('After the retrospective pass', results, (r) => r.afterRecheck);
const counts = (r: SimResult) =>
	Object.entries(r.live.groups)
		.filter(([k]) => !k.includes(':'))
		.map(([k, g]) => `${k} ${g.n}`)
		.join(', ');
for (const r of results) {
	console.log(`\nseed ${r.seed} submissions: ${counts(r)}`);
	const classes = Object.entries(r.live.groups)
		.filter(([k]) => k.startsWith('repeater:identity:'))
		.map(([k, g]) => `${k.slice('repeater:identity:'.length)} ${g.n}`)
		.join(', ');
	console.log(`  device-cookie repeats by answers and timing: ${classes}`);
}
process.exit(0);
