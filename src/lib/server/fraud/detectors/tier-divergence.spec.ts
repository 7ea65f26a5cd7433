import { describe, expect, it } from 'vitest';
import { prng } from '$lib/scoring/testing/prng';
import { defaultRuleSet } from '$lib/schemas/rule-set';
import { tierDivergence, type TierRow } from './tier-divergence';

/** 测评四级: 满意 100 · 比较满意 80 · 基本满意 60 · 不满意 0 (index 0 is don't know). */
const VALUES = [Number.NaN, 100, 80, 60, 0];
let seq = 0;

function honest(seed: number, n: number, tier: string): TierRow[] {
	const r = prng(seed);
	return Array.from({ length: n }, () => {
		const x = r.next();
		const level = x < 0.45 ? 1 : x < 0.75 ? 2 : x < 0.92 ? 3 : 4;
		return { id: ++seq, pattern: `${level}${r.int(0, 4)}`, tier, counted: true, excluded: false };
	});
}

describe('identity-tier divergence', () => {
	it('stays quiet when both tiers sample the same residents', () => {
		const rows = [...honest(1, 300, 'phone'), ...honest(2, 900, 'device')];
		expect(tierDivergence(rows, 2, VALUES, defaultRuleSet)).toEqual([]);
	});

	it('finds a unit whose anonymous answers are far better than its verified ones', () => {
		const padded = Array.from({ length: 400 }, () => ({
			id: ++seq,
			pattern: '10',
			tier: 'none',
			counted: true,
			excluded: false
		}));
		const rows = [...honest(3, 300, 'phone'), ...honest(4, 600, 'device'), ...padded];
		const found = tierDivergence(rows, 2, VALUES, defaultRuleSet);
		expect(found.map((f) => f.unitIndex)).toEqual([0]);
		expect(found[0].diff).toBeGreaterThan(5);
		// The anonymous top-box answers carry the evidence, never the verified ones.
		for (const p of padded) expect(found[0].members).toContain(p.id);
		const phoneIds = new Set(rows.filter((r) => r.tier === 'phone').map((r) => r.id));
		expect(found[0].members.some((id) => phoneIds.has(id))).toBe(false);
	});

	it('needs enough answers in each tier, and ignores excluded and uncounted ones', () => {
		const few = [...honest(5, 20, 'invitation'), ...honest(6, 400, 'device')];
		few.push(
			...Array.from({ length: 300 }, () => ({
				id: ++seq,
				pattern: '10',
				tier: 'device',
				counted: false,
				excluded: false
			}))
		);
		expect(tierDivergence(few, 2, VALUES, defaultRuleSet)).toEqual([]);
	});

	it('does not throw on odd data', () => {
		expect(tierDivergence([], 3, VALUES, defaultRuleSet)).toEqual([]);
		const odd: TierRow[] = [{ id: 1, pattern: '', tier: null, counted: true, excluded: false }];
		expect(tierDivergence(odd, 3, [], defaultRuleSet)).toEqual([]);
	});
});
