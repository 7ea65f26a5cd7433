import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inArray, sql } from 'drizzle-orm';
import { importCycle } from '$lib/server/cycles/cycle-document';
import { cycleDocumentSchema } from '$lib/schemas/cycle-document';
import { createTestDb } from '$lib/server/db/testing';
import type { DbHandle } from '$lib/server/db/client';
import { rating } from '$lib/server/db/schema';
import { rowsToCells, type AnswerRow } from '$lib/scoring';
import type { ExclusionMode, ScoresBody } from '$lib/schemas/scores';
import {
	answers,
	createRatingsCycle,
	insertSubmissions,
	scoringTestDocument,
	workedExampleAnswers,
	type FactoryCycle,
	type SubmissionSpec,
	type SubmissionStatus
} from '$lib/server/testing/ratings-factory';
import {
	cellsForMode,
	computeLiveScores,
	recomputeFromRatings,
	scoreCells,
	statusesFor,
	type UnitCounts
} from './compute';
import {
	aggregateRatings,
	aggregateRollups,
	exclusionReasons,
	markRollupsStale,
	refreshRollups
} from './aggregate';
import { loadScoringSetup } from './setup';
import { unitDetail } from './unit-detail';

let h: DbHandle;
beforeAll(async () => {
	h = await createTestDb();
});
afterAll(async () => {
	await h?.close();
});

/** Fails on any NaN or ±Infinity anywhere in a result. */
function expectAllFinite(x: unknown, path = '$'): void {
	if (typeof x === 'number') {
		if (!Number.isFinite(x)) throw new Error(`${path} is ${x}`);
	} else if (Array.isArray(x)) x.forEach((v, i) => expectAllFinite(v, `${path}[${i}]`));
	else if (x && typeof x === 'object') {
		for (const [k, v] of Object.entries(x)) expectAllFinite(v, `${path}.${k}`);
	}
}

/** Drops the fields that say how and when a result was made; everything else must be equal. */
function figures(body: ScoresBody) {
	return { items: body.items, categories: body.categories, flags: body.flags, notes: body.notes };
}

/** The pure path: raw rating rows → `rowsToCells` → the same scoring call, no SQL aggregation. */
async function pureScores(fc: FactoryCycle, exclusions: ExclusionMode): Promise<ScoresBody> {
	const setup = await loadScoringSetup(h.db, fc.cycleId);
	const raw = await h.db
		.select({
			unitId: rating.unitId,
			groupId: rating.groupId,
			areaId: rating.areaId,
			value: rating.value,
			status: rating.status,
			// The stored weight is a `real`; read it as the SQL path sums it (double precision).
			weight: sql<number>`${rating.weight}::float8`.mapWith(Number)
		})
		.from(rating);
	const counted = new Set(statusesFor(exclusions));
	const counts = new Map<string, UnitCounts>();
	const rows: AnswerRow[] = [];
	for (const r of raw) {
		const unit = setup.unitCode.get(r.unitId);
		if (!unit) continue;
		const c = counts.get(unit) ?? { nSubmitted: 0, quarantined: 0, excluded: 0 };
		c.nSubmitted += 1;
		if (r.status === 2) c.quarantined += 1;
		if (r.status === 3) c.excluded += 1;
		counts.set(unit, c);
		if (!counted.has(r.status)) continue;
		rows.push({
			unit,
			group: setup.groupCode.get(r.groupId) as string,
			area: r.areaId === null ? null : (setup.areaCode.get(r.areaId) as string),
			value: r.value,
			weight: r.weight
		});
	}
	return scoreCells(setup, rowsToCells(rows), counts, { exclusions, source: 'ratings' });
}

/** A deterministic pseudo-random generator (mulberry32), so the data set is the same everywhere. */
function prng(seed: number) {
	let a = seed >>> 0;
	return () => {
		a = (a + 0x6d2b79f5) >>> 0;
		let t = a;
		t = Math.imul(t ^ (t >>> 15), t | 1);
		t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
		return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
	};
}

function randomSubmissions(seed: number, n: number): SubmissionSpec[] {
	const rnd = prng(seed);
	const pick = <T>(xs: readonly T[]) => xs[Math.floor(rnd() * xs.length)];
	const groups = ['residents', 'residents', 'residents', 'service_recipients', 'deputies'];
	const areas = ['A', 'A', 'B', 'T1', 'T2', 'C', null];
	const values = [100, 100, 100, 80, 80, 60, 0, null];
	const statuses: SubmissionStatus[] = [
		'accepted',
		'accepted',
		'accepted',
		'accepted',
		'flagged',
		'quarantined',
		'excluded'
	];
	// Dyadic weights add up exactly in any order, so every path must agree to the last bit.
	const weights = [1, 1, 1, 0.5, 0.25, 0.75];
	const days = ['2025-10-01', '2025-10-02', '2025-10-03', '2025-10-09'];
	const out: SubmissionSpec[] = [];
	for (let i = 0; i < n; i++) {
		const ratings: Record<string, number | null> = {};
		for (const u of ['zhen1', 'zhen2', 'zhen3', 'dept1']) {
			if (rnd() < 0.8) ratings[u] = pick(values);
		}
		const status = pick(statuses);
		out.push({
			group: pick(groups),
			area: pick(areas),
			status,
			weight: pick(weights),
			day: pick(days),
			reasons:
				status === 'quarantined' || status === 'excluded' ? [pick(['speed.hard', 'dup'])] : [],
			ratings
		});
	}
	return out;
}

describe('the worked example of DESIGN.md §6 through the database', () => {
	it('reproduces every published figure of 镇1', async () => {
		const fc = await createRatingsCycle(h.db);
		await insertSubmissions(h.db, fc, workedExampleAnswers('zhen1'));
		const body = await recomputeFromRatings(h.db, fc.cycleId);
		const z = body.items.find((i) => i.unit === 'zhen1')!;
		expect(z.score).toBeCloseTo(82.0343, 4);
		expect(z.scoreUnadjusted).toBeCloseTo(89.6874, 4);
		expect(z.se).toBeCloseTo(3.3891, 4);
		expect(z.ci![0]).toBeCloseTo(75.39, 2);
		expect(z.ci![1]).toBeCloseTo(88.68, 2);
		expect(z.points).toBeCloseTo(8.2, 2);
		expect(z.satisfactionRate).toBeCloseTo(0.9156, 4);
		expect(z.dkShare).toBeCloseTo(10 / 155, 10);
		expect(z.nValid).toBe(145);
		expect(z.nSubmitted).toBe(155);
		expect(z.nEff).toBeCloseTo(87.18, 2);
		expect(z.rank).toBe(1);
		const byGroup = Object.fromEntries(z.groups.map((g) => [g.group, g]));
		expect(byGroup.residents.score).toBeCloseTo(73.5111, 4);
		expect(byGroup.residents.scoreUnadjusted).toBeCloseTo(88.8172, 4);
		expect(byGroup.residents.nEff).toBeCloseTo(35.18, 2);
		expect(byGroup.residents.se).toBeCloseTo(6.3706, 4);
		expect(byGroup.residents.rate).toBeCloseTo(0.8444, 4);
		expect(byGroup.residents.rateCi![0]).toBeCloseTo(0.6919, 4);
		expect(byGroup.residents.rateCi![1]).toBeCloseTo(0.9292, 4);
		const weights = Object.fromEntries(byGroup.residents.strata!.map((s) => [s.code, s.weight]));
		expect(weights.A).toBeCloseTo(0.372, 4);
		expect(weights.B).toBeCloseTo(3.6167, 4);
		expect(byGroup.service_recipients.score).toBeCloseTo(88.6667, 4);
		expect(byGroup.service_recipients.se).toBeCloseTo(3.9168, 4);
		expect(byGroup.service_recipients.rateCi![0]).toBeCloseTo(0.8333, 4);
		expect(byGroup.service_recipients.rateCi![1]).toBeCloseTo(0.9941, 4);
		expect(byGroup.deputies.score).toBeCloseTo(91.8182, 4);
		expect(byGroup.deputies.se).toBeCloseTo(2.8404, 4);
		expect(byGroup.deputies.weight).toBe(0.3);

		// The live path (roll-ups) gives the same figures.
		const live = await computeLiveScores(h.db, fc.cycleId);
		expect(figures(live)).toEqual(figures(body));
	});

	it('drops deputies below a raised minimum and renormalises: 77.8413', async () => {
		const doc = scoringTestDocument();
		doc.groups![2] = { ...doc.groups![2], minValid: 30 };
		const fc = await createRatingsCycle(h.db, doc);
		await insertSubmissions(h.db, fc, workedExampleAnswers('zhen1'));
		const z = (await recomputeFromRatings(h.db, fc.cycleId)).items.find((i) => i.unit === 'zhen1')!;
		expect(z.score).toBeCloseTo(77.8413, 4);
		expect(z.flags).toContain('group_below_minimum:deputies');
		expect(z.flags).toContain('weights_renormalised');
		expect(z.rankable).toBe(true);
	});
});

describe('three paths, one answer', () => {
	let fc: FactoryCycle;
	beforeAll(async () => {
		fc = await createRatingsCycle(h.db);
		await insertSubmissions(h.db, fc, randomSubmissions(20251015, 900));
	});

	for (const mode of ['applied', 'none'] as const) {
		it(`full scan == pure core on raw rows == roll-ups (exclusions ${mode})`, async () => {
			const scan = await recomputeFromRatings(h.db, fc.cycleId, mode);
			const pure = await pureScores(fc, mode);
			await refreshRollups(h.db, fc.cycleId);
			const rolled = await computeLiveScores(h.db, fc.cycleId, mode);
			expect(scan.source).toBe('ratings');
			expect(rolled.source).toBe('rollups');
			expect(figures(scan)).toEqual(figures(pure));
			expect(figures(rolled)).toEqual(figures(scan));
			expectAllFinite(scan);
			// The data really exercise the scoring: scores, exclusions and post-stratification.
			expect(scan.items.filter((i) => i.score !== null).length).toBe(4);
			expect(scan.items.some((i) => i.groups.some((g) => g.strata && g.strata.length > 1))).toBe(
				true
			);
		});
	}

	it('the aggregated cells are the same from ratings and from roll-ups', async () => {
		await refreshRollups(h.db, fc.cycleId);
		const key = (c: {
			unitId: number;
			groupId: number;
			areaId: number | null;
			value: number | null;
			status: number;
		}) => `${c.unitId}/${c.groupId}/${c.areaId}/${c.value}/${c.status}`;
		const sort = <T extends Parameters<typeof key>[0]>(xs: T[]) =>
			[...xs].sort((a, b) => key(a).localeCompare(key(b)));
		expect(sort(await aggregateRollups(h.db, fc.cycleId))).toEqual(
			sort(await aggregateRatings(h.db, fc.cycleId))
		);
	});

	it('counts answers left out, per unit and by reason', async () => {
		const applied = await recomputeFromRatings(h.db, fc.cycleId, 'applied');
		const none = await recomputeFromRatings(h.db, fc.cycleId, 'none');
		const [{ n: total }] = await h.db
			.select({ n: sql<number>`count(*)::int`.mapWith(Number) })
			.from(rating)
			.where(inArray(rating.unitId, [...fc.unitId.values()]));
		expect(applied.items.reduce((t, i) => t + i.nSubmitted, 0)).toBe(total);
		for (const i of applied.items) {
			const j = none.items.find((x) => x.unit === i.unit)!;
			expect(i.nExcluded).toBe(i.excluded.quarantined + i.excluded.excluded);
			expect(i.nExcluded).toBeGreaterThan(0);
			expect(j.nExcluded).toBe(0);
			expect(j.nValid + j.nDontKnow).toBe(i.nSubmitted);
			expect(i.nValid + i.nDontKnow).toBe(i.nSubmitted - i.nExcluded);
		}
		const reasons = await exclusionReasons(h.db, fc.cycleId);
		const setup = await loadScoringSetup(h.db, fc.cycleId);
		for (const i of applied.items) {
			const mine = reasons.filter((r) => setup.unitCode.get(r.unitId) === i.unit);
			// Each left-out submission has exactly one reason in this data set.
			expect(mine.reduce((t, r) => t + r.n, 0)).toBe(i.nExcluded);
			expect(new Set(mine.map((r) => r.reason))).toEqual(new Set(['speed.hard', 'dup']));
		}
	});
});

describe('roll-ups stay current', () => {
	it('grow with new answers, and rebuild after reviews mark them stale', async () => {
		const fc = await createRatingsCycle(h.db);
		await insertSubmissions(h.db, fc, answers('zhen2', 'residents', 'C', { 100: 10 }));
		const first = await computeLiveScores(h.db, fc.cycleId);
		expect(first.items.find((i) => i.unit === 'zhen2')!.nValid).toBe(10);

		await insertSubmissions(h.db, fc, answers('zhen2', 'residents', 'C', { 0: 10 }));
		const second = await computeLiveScores(h.db, fc.cycleId);
		const z2 = second.items.find((i) => i.unit === 'zhen2')!;
		expect(z2.nValid).toBe(20);
		expect(z2.score).toBeCloseTo(50, 10);
		// The second read added only the new submissions to the roll-ups: same as a full scan.
		expect(figures(second)).toEqual(figures(await recomputeFromRatings(h.db, fc.cycleId)));

		// A review changes statuses without new submissions: the review service marks the roll-ups.
		const zhen2 = fc.unitId.get('zhen2')!;
		await h.db
			.update(rating)
			.set({ status: 3 })
			.where(sql`${rating.unitId} = ${zhen2} and ${rating.value} = 0`);
		await markRollupsStale(h.db, fc.cycleId);
		const third = await computeLiveScores(h.db, fc.cycleId);
		expect(third.items.find((i) => i.unit === 'zhen2')!.score).toBe(100);
		expect(figures(third)).toEqual(figures(await recomputeFromRatings(h.db, fc.cycleId)));
	});
});

describe('bad input gives flags, never NaN', () => {
	it('a cycle with no answers', async () => {
		const fc = await createRatingsCycle(h.db);
		for (const body of [
			await recomputeFromRatings(h.db, fc.cycleId),
			await computeLiveScores(h.db, fc.cycleId, 'none')
		]) {
			expectAllFinite(body);
			expect(body.items).toHaveLength(4);
			expect(body.notes).toContain('no_answers_in_cycle');
			for (const i of body.items) {
				expect(i.score).toBeNull();
				expect(i.rank).toBeNull();
				expect(i.points).toBeNull();
				expect(i.flags).toContain('no_answers');
				expect(i.nSubmitted).toBe(0);
			}
		}
	});

	it('a unit answered only 不了解, and a unit with a single answer', async () => {
		const fc = await createRatingsCycle(h.db);
		await insertSubmissions(h.db, fc, [
			...answers('zhen1', 'residents', 'A', {}, 7),
			...answers('zhen2', 'residents', 'C', { 80: 1 })
		]);
		const body = await recomputeFromRatings(h.db, fc.cycleId);
		expectAllFinite(body);
		const z1 = body.items.find((i) => i.unit === 'zhen1')!;
		expect(z1.score).toBeNull();
		expect(z1.dkShare).toBe(1);
		expect(z1.flags).toContain('all_dont_know');
		const z2 = body.items.find((i) => i.unit === 'zhen2')!;
		expect(z2.score).toBe(80);
		expect(z2.ci).toBeNull();
		expect(z2.flags).toContain('single_answer:residents');
		expect(z2.flags).toContain('not_rankable:too_few_answers');
		expect(body.notes).toContain('units_without_answers:2');
		expect(body.notes).toContain('no_population:C');
	});

	it('a cycle without surveys says so', async () => {
		const doc = scoringTestDocument();
		doc.surveys = [];
		const id = await importCycle(h.db, { id: null, label: 'test' }, cycleDocumentSchema.parse(doc));
		const body = await computeLiveScores(h.db, id);
		expectAllFinite(body);
		expect(body.notes).toEqual(expect.arrayContaining(['no_surveys', 'no_answers_in_cycle']));
		expect(body.parameters.ruleSetVersion).toBeNull();
	});
});

describe('per-unit detail', () => {
	it('breaks a unit down by group, area, level and day, with and without exclusions', async () => {
		const fc = await createRatingsCycle(h.db);
		await insertSubmissions(h.db, fc, [
			...answers('zhen1', 'residents', 'A', { 100: 6, 60: 2 }, 1, { day: '2025-10-01' }),
			...answers('zhen1', 'residents', 'B', { 80: 5 }, 0, { day: '2025-10-02' }),
			...answers('zhen1', 'residents', 'B', { 0: 4 }, 0, {
				day: '2025-10-02',
				status: 'quarantined',
				reasons: ['speed.hard', 'template']
			})
		]);
		const d = await unitDetail(h.db, fc.cycleId, 'zhen1');
		expect(d.applied.nValid).toBe(13);
		expect(d.none.nValid).toBe(17);
		expect(d.applied.nExcluded).toBe(4);
		expect(d.trend.map((t) => [t.day, t.nValid, t.nDontKnow])).toEqual([
			['2025-10-01', 8, 1],
			['2025-10-02', 5, 0]
		]);
		expect(d.trend[0].mean).toBeCloseTo(90, 10);
		expect(d.areas.map((a) => [a.group, a.area, a.nValid])).toEqual([
			['residents', 'A', 8],
			['residents', 'B', 5]
		]);
		expect(d.levels).toEqual([
			{ group: 'residents', value: 100, n: 6 },
			{ group: 'residents', value: 80, n: 5 },
			{ group: 'residents', value: 60, n: 2 },
			{ group: 'residents', value: null, n: 1 }
		]);
		expect(d.exclusions).toEqual([
			{ status: 'quarantined', reason: 'speed.hard', n: 4 },
			{ status: 'quarantined', reason: 'template', n: 4 }
		]);
		expect(d.valueLabels['80']).toEqual(['比较满意']);
		expect(d.groupLabels.residents).toBe('群众');
		await expect(unitDetail(h.db, fc.cycleId, 'nope')).rejects.toThrow('unit_not_found');
	});

	it('merges statuses into one cell per key', async () => {
		const fc = await createRatingsCycle(h.db);
		await insertSubmissions(h.db, fc, [
			...answers('dept1', 'service_recipients', null, { 100: 3 }),
			...answers('dept1', 'service_recipients', null, { 100: 2 }, 0, { status: 'flagged' })
		]);
		const setup = await loadScoringSetup(h.db, fc.cycleId);
		const { cells, counts } = cellsForMode(
			setup,
			await aggregateRatings(h.db, fc.cycleId),
			'applied'
		);
		expect(cells).toEqual([
			{
				unit: 'dept1',
				group: 'service_recipients',
				area: null,
				value: 100,
				n: 5,
				sumW: 5,
				sumW2: 5
			}
		]);
		expect(counts.get('dept1')).toEqual({ nSubmitted: 5, quarantined: 0, excluded: 0 });
	});
});
