/**
 * The labelled traffic model of the simulator: a county of 10 townships (3 villages each) and 20
 * departments rated by honest residents with realistic timing, knowledge (don't-know for units they
 * do not know) and shared networks, plus careless answerers, repeaters, three kinds of bots, a
 * mobilisation campaign in waves, a smear against a rival and three honest surges. Every event
 * carries its label, so the report can say what the pipeline did to whom.
 *
 * Numbers follow research/anti-fraud-checks.md (timing percentiles §3.1, 19.5 % all-satisfied,
 * 4 % shared devices, 8 % out-of-county, 6 % trap failure, CGNAT pools §4.6); they are a model.
 */
import { prng } from '../../src/lib/scoring/testing/prng';
import { departmentCode, townshipCode, villageCode } from './harness';

export type Label =
	| 'honest'
	| 'careless'
	| 'repeater'
	| 'bot_naive'
	| 'bot_headless'
	| 'bot_farm'
	| 'campaign'
	| 'smear';

export interface SimEvent {
	id: number;
	label: Label;
	tags: string[];
	/** Received (epoch ms) and token issue time. */
	at: number;
	startedAt: number;
	group: 'residents';
	area: string;
	/** Level per unit index: 1..4, 0 = don't know. */
	levels: number[];
	attention: 'basic' | 'satisfied' | null;
	comment: string | null;
	/** null: no proof of work (no JavaScript). */
	powMs: number | null;
	ip: string;
	ua: string;
	deviceCookie: string | null;
	/** Naive bots sometimes replay a start token. */
	replayOf?: number;
}

export interface ModelOptions {
	seed: number;
	days: number;
	/** Honest persons over the whole survey (before surges). */
	honestPersons: number;
	start: number;
}

export const TOWNSHIPS = 10;
export const VILLAGES = 3;
export const DEPARTMENTS = 20;
export const UNITS = TOWNSHIPS + DEPARTMENTS;
/** Campaign (and the paid bots') target, and the smear's victim. */
export const TARGET = 2;
export const VICTIM = 5;
export const HOUR = 3_600_000;
export const DAY = 24 * HOUR;
/** Honest median duration for 30 rating items (ms). */
export const MEDIAN_MS = 150_000;

export const WECHAT_UA =
	'Mozilla/5.0 (Linux; Android 12; V2102A) AppleWebKit/537.36 (KHTML, like Gecko) Mobile Safari/537.36 MicroMessenger/8.0.47';
export const MOBILE_UA =
	'Mozilla/5.0 (iPhone; CPU iPhone OS 17_2 like Mac OS X) AppleWebKit/605.1.15 Mobile/15E148 Safari/604.1';
export const DESKTOP_UA =
	'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0 Safari/537.36';
export const HEADLESS_UA =
	'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome/124.0 Safari/537.36';
export const SCRIPT_UA = 'python-requests/2.31.0';

/** County-time (UTC+8) hour weights of honest arrivals. */
const HOURLY = [
	0.3, 0.15, 0.1, 0.1, 0.1, 0.3, 1, 2.5, 4, 4.5, 4, 3.5, 4, 3.5, 2.5, 2.5, 2.5, 3, 3.5, 5, 5.5, 5,
	3, 1.2
];

/** The simulated county's network table (and the bundled cloud list appended by the runner). */
export function networkCsv(): string {
	const lines = ['cidr,asn,asn_type,carrier,province,city,scope'];
	// Mobile carrier-grade NAT pools of the county (small on purpose: many honest people per address).
	for (let c = 0; c < 3; c++) {
		lines.push(`112.${10 + c}.0.0/16,${9800 + c},mobile,carrier${c},本省,本市,county`);
	}
	// Mobile IPv6: one /64 per phone inside the carrier's /32.
	for (let c = 0; c < 3; c++) {
		lines.push(`2409:${8000 + c}::/32,${9800 + c},mobile,carrier${c},本省,本市,county`);
	}
	// Home broadband per township.
	for (let t = 0; t < TOWNSHIPS; t++) {
		lines.push(`60.${20 + t}.0.0/16,4134,broadband,telecom,本省,本县,county`);
	}
	// Government offices (the township governments' own lines).
	lines.push('61.150.0.0/16,4134,gov_edu,telecom,本省,本县,county');
	// Other provinces' mobile networks (migrant workers answering from where they work).
	lines.push('223.100.0.0/16,9808,mobile,carrier0,外省,外市,other');
	// Half of a residential-proxy provider's exit pool is known.
	lines.push('58.240.0.0/17,4837,resi_proxy,proxy,,,other');
	return lines.join('\n');
}

export function buildEvents(opts: ModelOptions): SimEvent[] {
	const r = prng(opts.seed);
	const u = r.next;
	const normal = () => {
		let x = 0;
		while (x === 0) x = u();
		return Math.sqrt(-2 * Math.log(x)) * Math.cos(2 * Math.PI * u());
	};
	const lognormal = (median: number, sigma: number) => median * Math.exp(sigma * normal());
	const exp = (mean: number) => -Math.log(1 - u()) * mean;
	const chance = (p: number) => u() < p;
	const events: SimEvent[] = [];
	let nextId = 1;
	let cookieSeq = 1;
	const newCookie = () => `c${opts.seed}-${cookieSeq++}-${Math.floor(u() * 1e9).toString(36)}`;

	// ---- the county ----
	const unitMean = Array.from({ length: UNITS }, () => 0.35 + 0.7 * u());
	unitMean[TARGET] = 0.45; // the campaign's target is middling, so inflation could move its rank
	const villageEffect = Array.from({ length: TOWNSHIPS * VILLAGES }, () => 0.3 * normal());
	const popularity = Array.from({ length: DEPARTMENTS }, () => 0.08 + 0.5 * u() ** 1.5);
	const villagePop = Array.from(
		{ length: TOWNSHIPS * VILLAGES },
		(_, i) => 4000 + 500 * ((Math.floor(i / VILLAGES) + (i % VILLAGES)) % 5)
	);
	const popTotal = villagePop.reduce((a, b) => a + b, 0);
	const pickVillage = () => {
		let x = u() * popTotal;
		for (let i = 0; i < villagePop.length; i++) if ((x -= villagePop[i]) < 0) return i;
		return villagePop.length - 1;
	};
	const levelOf = (latent: number) => (latent > 1 ? 1 : latent > 0.3 ? 2 : latent > -0.4 ? 3 : 4);

	// ---- networks ----
	const mobileV4 = () => `112.${10 + r.int(0, 2)}.${r.int(0, 1)}.${r.int(1, 12)}`; // ~72 CGNAT addresses
	const mobileV6 = () =>
		`2409:${(8000 + r.int(0, 2)).toString()}:${r.int(0, 0xffff).toString(16)}:${r.int(0, 0xffff).toString(16)}::${r.int(1, 0xffff).toString(16)}`;
	const mobile = () => (chance(0.5) ? mobileV6() : mobileV4());
	const broadband = (t: number) => `60.${20 + t}.${r.int(0, 3)}.${r.int(2, 254)}`;
	const villageWifi = (v: number) =>
		`60.${20 + Math.floor(v / VILLAGES)}.200.${10 + (v % VILLAGES)}`;
	const outOfCounty = () => `223.100.${r.int(0, 255)}.${r.int(1, 254)}`;
	const cloud = () =>
		chance(0.8)
			? `47.${96 + r.int(0, 31)}.${r.int(0, 255)}.${r.int(1, 254)}`
			: `3.${r.int(0, 127)}.${r.int(0, 255)}.${r.int(1, 254)}`;
	const proxy = () =>
		chance(0.5)
			? `58.240.${r.int(0, 127)}.${r.int(1, 254)}`
			: `58.240.${r.int(128, 255)}.${r.int(1, 254)}`;

	// ---- honest timing ----
	const honestDuration = (slow: boolean) => {
		const z = normal();
		let d = MEDIAN_MS * Math.exp(z < 0 ? 0.4 * z : 0.55 * z);
		if (slow) d *= 1.8;
		if (chance(0.01)) d += (10 + 50 * u()) * 60_000; // resumed later
		return Math.max(12_000, d);
	};
	const powFor = (ua: string, slow: boolean) => {
		const median = ua === DESKTOP_UA ? 250 : ua === WECHAT_UA ? 900 : 700;
		return Math.round(lognormal(median * (slow ? 1.5 : 1), 0.45));
	};
	const honestUa = () => (chance(0.7) ? WECHAT_UA : chance(0.83) ? MOBILE_UA : DESKTOP_UA);

	// ---- honest arrival times ----
	const hourWeightTotal = HOURLY.reduce((a, b) => a + b, 0);
	const honestTime = () => {
		const day = r.int(0, opts.days - 1);
		let x = u() * hourWeightTotal;
		let h = 0;
		while ((x -= HOURLY[h]) > 0 && h < 23) h++;
		// `start` is midnight county time, so hour h of a day is simply start + day + h.
		return opts.start + day * DAY + h * HOUR + u() * HOUR;
	};

	const comments = [
		'窗口办事效率很高，态度也好',
		'希望村里的道路早点修好',
		'很满意，继续加油',
		'办事不用跑腿了，点赞',
		'环境卫生比去年好多了',
		'希望多关心老年人',
		'医保报销还是有点慢',
		'路灯晚上经常不亮'
	];
	const honestComment = () => {
		if (!chance(0.15)) return null;
		if (chance(0.02)) return '好好好好好好好';
		const base = r.pick(comments);
		// Most people add their own words; some write just the set phrase.
		return chance(0.5)
			? base
			: `${base}，${r.pick(['谢谢', '建议多宣传', '总体不错', '有待改进'])}${r.int(1, 9) > 5 ? '。' : ''}`;
	};

	interface Person {
		village: number;
		effect: number;
		allSatisfied: boolean;
		knows: boolean[];
	}
	const newPerson = (village: number, household?: Person): Person => {
		const t = Math.floor(village / VILLAGES);
		const knows = Array.from({ length: UNITS }, (_, i) => {
			if (household && chance(0.8)) return household.knows[i];
			if (i < TOWNSHIPS) return i === t ? chance(0.95) : chance(0.06);
			return chance(popularity[i - TOWNSHIPS]);
		});
		return {
			village,
			effect: household ? 0.5 * household.effect + 0.35 * normal() : 0.45 * normal(),
			allSatisfied: chance(0.15),
			knows
		};
	};
	const honestLevels = (p: Person) =>
		p.knows.map((k, i) => {
			if (!k) return 0;
			if (p.allSatisfied) return 1;
			const own = i === Math.floor(p.village / VILLAGES);
			return levelOf(
				unitMean[i] + (own ? villageEffect[p.village] : 0) + p.effect + 0.6 * normal()
			);
		});

	const honestEvent = (at: number, tags: string[], fixed?: { village?: number; ip?: string }) => {
		const village = fixed?.village ?? pickVillage();
		const p = newPerson(village);
		const t = Math.floor(village / VILLAGES);
		const out = chance(0.08);
		const slow = chance(0.1);
		const ua = honestUa();
		const noJs = chance(slow ? 0.005 : 0.001);
		let ip: string;
		const extra: string[] = [];
		if (fixed?.ip) {
			ip = fixed.ip;
			extra.push('shared_network');
		} else if (out) {
			ip = outOfCounty();
		} else {
			const x = u();
			ip = x < 0.7 ? mobile() : x < 0.95 ? broadband(t) : villageWifi(village);
			if (x < 0.7 && !ip.includes(':')) extra.push('shared_network');
			if (x >= 0.95) extra.push('shared_network');
		}
		const duration = honestDuration(slow);
		const cookie = newCookie();
		const e: SimEvent = {
			id: nextId++,
			label: 'honest',
			tags: [
				...tags,
				...extra,
				...(out ? ['out_of_county'] : []),
				...(slow ? ['elderly'] : []),
				...(p.allSatisfied ? ['all_satisfied'] : [])
			],
			at,
			startedAt: at - duration,
			group: 'residents',
			area: villageCode(t, village % VILLAGES),
			levels: honestLevels(p),
			attention: chance(0.06) ? 'satisfied' : 'basic',
			comment: honestComment(),
			powMs: noJs ? null : powFor(ua, slow),
			ip,
			ua,
			deviceCookie: cookie
		};
		events.push(e);
		// A household member answers on the same phone (research: 4 % of honest persons).
		if (chance(0.04)) {
			const q = newPerson(village, p);
			const later = at + (5 + 115 * u()) * 60_000;
			const d2 = honestDuration(slow);
			events.push({
				...e,
				id: nextId++,
				tags: [
					...e.tags.filter((x) => x !== 'all_satisfied'),
					'household_second',
					...(q.allSatisfied ? ['all_satisfied'] : [])
				],
				at: later,
				startedAt: later - d2,
				levels: honestLevels(q),
				attention: chance(0.06) ? 'satisfied' : 'basic',
				comment: honestComment(),
				powMs: e.powMs === null ? null : powFor(ua, slow)
			});
		}
		// Some submit again later (research: repeaters), usually with the same answers.
		if (chance(0.03)) {
			const later = at + (10 + u() * 2 * 24 * 60) * 60_000;
			const sameCookie = chance(0.75);
			const changes = chance(0.6) ? 0 : chance(0.75) ? r.int(1, 2) : r.int(3, 5);
			const levels = [...e.levels];
			for (let k = 0; k < changes; k++) {
				const i = r.int(0, UNITS - 1);
				levels[i] = levels[i] === 0 ? r.int(1, 4) : chance(0.3) ? 0 : r.int(1, 4);
			}
			const d2 = honestDuration(slow) * 0.7;
			events.push({
				...e,
				id: nextId++,
				label: 'repeater',
				tags: [sameCookie ? 'repeat_identity' : 'repeat_no_identity'],
				at: later,
				startedAt: later - d2,
				levels,
				deviceCookie: sameCookie ? e.deviceCookie : newCookie(),
				ip: later - at < 2 * HOUR ? e.ip : e.ip.startsWith('60.') ? e.ip : mobile(),
				powMs: e.powMs === null ? null : powFor(ua, slow)
			});
		}
	};

	// ---- honest residents ----
	for (let i = 0; i < opts.honestPersons; i++) honestEvent(honestTime(), []);
	// County-wide push (day 5, 09:00–12:00): three times the usual volume everywhere.
	const plan = schedule(opts.start);
	const pushStart = plan.push.from;
	const perHour = opts.honestPersons / opts.days / 24;
	for (let i = 0; i < perHour * 3 * 3 * (4 / (hourWeightTotal / 24)); i++) {
		honestEvent(pushStart + u() * 3 * HOUR, ['surge_push']);
	}
	// A village meeting (day 7, 14:00–15:00): 200 residents of one village on its Wi-Fi.
	const meetingVillage = MEETING_TOWNSHIP * VILLAGES + 1;
	const meetingStart = plan.meeting.from;
	for (let i = 0; i < 200; i++) {
		honestEvent(meetingStart + u() * HOUR, ['surge_meeting'], {
			village: meetingVillage,
			ip: villageWifi(meetingVillage)
		});
	}
	// A township's QR promotion (day 9, 08:00–20:00): 600 of its residents.
	const promoTownship = PROMO_TOWNSHIP;
	const promoStart = plan.promo.from;
	for (let i = 0; i < 600; i++) {
		honestEvent(promoStart + u() * 12 * HOUR, ['surge_promo'], {
			village: promoTownship * VILLAGES + r.int(0, VILLAGES - 1)
		});
	}

	// ---- careless answerers (4 % of residents) ----
	for (let i = 0; i < opts.honestPersons * 0.04; i++) {
		const at = honestTime();
		const d = Math.max(9_000, lognormal(0.25 * MEDIAN_MS, 0.45));
		const v = pickVillage();
		const kind = u();
		const levels =
			kind < 0.5
				? Array<number>(UNITS).fill(r.int(1, 4))
				: kind < 0.8
					? Array.from({ length: UNITS }, () => (chance(0.2) ? 0 : r.int(1, 4)))
					: Array.from({ length: UNITS }, () => (chance(0.75) ? 0 : r.int(1, 4)));
		const ua = honestUa();
		events.push({
			id: nextId++,
			label: 'careless',
			tags: [],
			at,
			startedAt: at - d,
			group: 'residents',
			area: villageCode(Math.floor(v / VILLAGES), v % VILLAGES),
			levels,
			attention: chance(0.6) ? 'satisfied' : 'basic',
			comment: chance(0.05) ? 'asdfasdf' : null,
			powMs: powFor(ua, false),
			ip: mobile(),
			ua,
			deviceCookie: newCookie()
		});
	}

	// ---- bots ----
	const targetTop = (camouflage: () => number) =>
		Array.from({ length: UNITS }, (_, i) => (i === TARGET ? 1 : camouflage()));
	const randomArea = () => {
		const v = pickVillage();
		return villageCode(Math.floor(v / VILLAGES), v % VILLAGES);
	};
	// Naive: scripts posting the API without proof of work, from clouds and proxies, fast.
	const naiveStart = plan.naive;
	for (let i = 0; i < 600; i++) {
		const at = naiveStart + u() * 5 * HOUR;
		const d = 3_000 + u() * 25_000;
		const e: SimEvent = {
			id: nextId++,
			label: 'bot_naive',
			tags: [],
			at,
			startedAt: at - d,
			group: 'residents',
			area: randomArea(),
			levels: targetTop(() => (chance(0.5) ? 0 : r.int(1, 4))),
			attention: chance(0.5) ? 'satisfied' : 'basic',
			comment: null,
			powMs: null,
			ip: chance(0.7) ? cloud() : proxy(),
			ua: chance(0.5) ? SCRIPT_UA : MOBILE_UA,
			deviceCookie: null
		};
		if (i > 0 && chance(0.05)) e.replayOf = events[events.length - 1].id;
		events.push(e);
	}
	// Headless browsers: real proof of work solved on servers, paced, camouflaged answers.
	const headlessStart = plan.headless;
	for (let i = 0; i < 400; i++) {
		const at = headlessStart + u() * 6 * HOUR;
		const d = 25_000 + u() * 50_000;
		events.push({
			id: nextId++,
			label: 'bot_headless',
			tags: [],
			at,
			startedAt: at - d,
			group: 'residents',
			area: randomArea(),
			levels: targetTop(() => (chance(0.5) ? 0 : r.int(1, 3))),
			attention: 'basic',
			comment: null,
			powMs: Math.round(30 + u() * 50),
			ip: chance(0.4) ? cloud() : proxy(),
			ua: chance(0.3) ? HEADLESS_UA : WECHAT_UA,
			deviceCookie: newCookie()
		});
	}
	// A phone farm (4G modem pool): real phones on mobile networks, a few answer templates.
	const farmStart = plan.farm;
	const farmTemplates = Array.from({ length: 3 }, () =>
		targetTop(() => (chance(0.4) ? 0 : r.int(1, 2)))
	);
	for (let i = 0; i < 300; i++) {
		const at = farmStart + u() * 3 * HOUR;
		const d = 45_000 + u() * 55_000;
		events.push({
			id: nextId++,
			label: 'bot_farm',
			tags: [],
			at,
			startedAt: at - d,
			group: 'residents',
			area: randomArea(),
			levels: [...r.pick(farmTemplates)],
			attention: 'basic',
			comment: null,
			powMs: powFor(WECHAT_UA, false),
			ip: mobileV4(),
			ua: WECHAT_UA,
			deviceCookie: newCookie()
		});
	}

	// ---- the mobilisation campaign: three waves of staff and relatives for the target ----
	plan.waves.forEach((w, wave) => {
		for (let i = 0; i < WAVE_SIZE; i++) {
			const tail = chance(0.15);
			const at = tail ? w + (2 + 28 * u()) * HOUR : w + exp(35 * 60_000);
			const d = Math.max(15_000, lognormal(0.6 * MEDIAN_MS, 0.35));
			const kind = u();
			const own = chance(0.7) ? TARGET : r.int(0, TOWNSHIPS - 1);
			const p = newPerson(own * VILLAGES + r.int(0, VILLAGES - 1));
			const levels =
				kind < 0.45
					? Array<number>(UNITS).fill(1)
					: kind < 0.8
						? honestLevels(p).map((l, idx) => (idx === TARGET ? 1 : l))
						: p.knows.map((k, idx) => (idx === TARGET ? 1 : k ? 1 : 0));
			const x = u();
			const ip = x < 0.55 ? mobile() : x < 0.9 ? `61.150.${3}.${r.int(2, 250)}` : broadband(own);
			const cookie = newCookie();
			const e: SimEvent = {
				id: nextId++,
				label: 'campaign',
				tags: [`wave:${wave}`, ...(tail ? ['tail'] : [])],
				at,
				startedAt: at - d,
				group: 'residents',
				area: villageCode(own, r.int(0, VILLAGES - 1)),
				levels,
				attention: chance(0.1) ? 'satisfied' : 'basic',
				comment: chance(0.1) ? '工作认真负责，群众满意' : null,
				powMs: powFor(WECHAT_UA, false),
				ip,
				ua: WECHAT_UA,
				deviceCookie: cookie
			};
			events.push(e);
			if (chance(0.1)) {
				const later = at + (10 + 50 * u()) * 60_000;
				events.push({
					...e,
					id: nextId++,
					tags: [...e.tags, 'repeat_identity'],
					at: later,
					startedAt: later - d * 0.6
				});
			}
		}
	});

	// ---- a smear against a rival township ----
	const smearStart = plan.smear;
	for (let i = 0; i < 150; i++) {
		const at = smearStart + u() * 1.5 * HOUR;
		const d = Math.max(15_000, lognormal(0.5 * MEDIAN_MS, 0.4));
		events.push({
			id: nextId++,
			label: 'smear',
			tags: [],
			at,
			startedAt: at - d,
			group: 'residents',
			area: villageCode(VICTIM, r.int(0, VILLAGES - 1)),
			levels: Array.from({ length: UNITS }, (_, idx) =>
				idx === VICTIM ? 4 : chance(0.6) ? 0 : r.int(1, 4)
			),
			attention: 'basic',
			comment: null,
			powMs: powFor(WECHAT_UA, false),
			ip: chance(0.7) ? mobile() : cloud(),
			ua: WECHAT_UA,
			deviceCookie: newCookie()
		});
	}

	events.sort((a, b) => a.at - b.at || a.id - b.id);
	return events;
}

/** When things happen (`start` is midnight, county time, of day 1). */
export function schedule(start: number) {
	const waves = [
		start + 1 * DAY + 20 * HOUR, // day 2, 20:00
		start + 5 * DAY + 12.5 * HOUR, // day 6, 12:30
		start + 9 * DAY + 19.5 * HOUR // day 10, 19:30
	];
	const naive = start + 3 * DAY + 1 * HOUR; // day 4, 01:00–06:00
	const headless = start + 5 * DAY + 1 * HOUR; // day 6, 01:00–07:00
	const farm = start + 10 * DAY + 21 * HOUR; // day 11, 21:00–24:00
	const smear = start + 7 * DAY + 10 * HOUR; // day 8, 10:00–11:30
	return {
		waves,
		naive,
		headless,
		farm,
		smear,
		push: { from: start + 4 * DAY + 9 * HOUR, to: start + 4 * DAY + 12 * HOUR },
		meeting: { from: start + 6 * DAY + 14 * HOUR, to: start + 6 * DAY + 15 * HOUR },
		promo: { from: start + 8 * DAY + 8 * HOUR, to: start + 8 * DAY + 20 * HOUR },
		/** Windows in which an alert on a unit is a true alert. */
		attacks: [
			...waves.map((w) => ({ unit: TARGET, from: w - HOUR, to: w + 32 * HOUR })),
			{ unit: TARGET, from: naive - HOUR, to: naive + 7 * HOUR },
			{ unit: TARGET, from: headless - HOUR, to: headless + 8 * HOUR },
			{ unit: TARGET, from: farm - HOUR, to: farm + 5 * HOUR },
			{ unit: VICTIM, from: smear - HOUR, to: smear + 4 * HOUR }
		]
	};
}

export const MEETING_TOWNSHIP = 4;
/** Staff and relatives answering in each of the three waves. */
export const WAVE_SIZE = 120;
export const PROMO_TOWNSHIP = 6;

export { departmentCode, townshipCode };
