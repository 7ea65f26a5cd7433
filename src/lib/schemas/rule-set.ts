import { z } from 'zod';

/**
 * The anti-fraud rule set of a cycle (DESIGN.md §7, research/anti-fraud-checks.md §7 and §10).
 * Every threshold lives here, with the defaults of the research; a cycle stores versions of it in
 * `rule_sets`, a survey freezes the version it runs under, and a change after opening needs a reason
 * and re-runs every decision (the retrospective pass).
 *
 * A decision is a pure function of a submission's reason codes: each code carries risk points, the
 * points are summed and the sum picks the action (0–1 accept, 2 flag, ≥ 3 quarantine by default).
 */

/** Reason codes of the per-submission checks (stable: stored with every submission). */
export const checkReasonCodes = [
	'speed.hard',
	'speed.soft',
	'straightline.fast',
	'pattern.sequence',
	'pattern.all_known',
	'pow.fast',
	'identity.duplicate',
	'identity.shared',
	/** Different answers on a shared key within the household window: a household, not a repeat. */
	'identity.household',
	'network.datacenter',
	'network.proxy',
	'network.out_of_county',
	'network.near_duplicate',
	'trap.failed',
	'text.gibberish',
	'text.copied',
	'logic.inconsistent',
	'ua.automation',
	'ua.missing'
] as const;

/** Facts only the live pipeline can see (token and proof of work); kept as they were recorded. */
export const pipelineReasonCodes = [
	'pow.missing',
	'pow.expired',
	'token.stale',
	/** Another stored submission from the same verified phone (issue 5's pipeline step). */
	'identity.phone_duplicate'
] as const;

/** Codes the window detectors give to members of alerted windows and clusters. */
export const detectorReasonCodes = [
	'burst.member',
	'burst.template',
	'burst.fast',
	'template.cluster',
	'template.copy',
	'prefix.volume',
	'text.duplicate',
	/** Night members of a network or answer-vector cluster that answers mostly at night (D7). */
	'offhours.cluster',
	/** Anonymous answers driving a unit's gap between anonymous and verified answers (D5). */
	'tier.divergence'
] as const;

/** Codes a reviewer's decision leaves; they override the points (DESIGN.md §7 Review). */
export const reviewReasonCodes = ['review.accepted', 'review.excluded'] as const;

export const reasonCodes = [
	...checkReasonCodes,
	...pipelineReasonCodes,
	...detectorReasonCodes
] as const;
export type ReasonCode = (typeof reasonCodes)[number];

export const defaultPoints: Record<ReasonCode, number> = {
	'speed.hard': 3,
	'speed.soft': 1,
	'straightline.fast': 2,
	'pattern.sequence': 1,
	'pattern.all_known': 1,
	'pow.fast': 2,
	// No proof of work is what a browser without JavaScript sends (elderly residents' old phones,
	// WeChat's reduced mode): the form post still carried a valid signed start token at least 8 s old
	// and an empty honeypot. Alone it flags (reviewers see it, the answer counts); with any other
	// escalating signal it quarantines. At 3 it excluded every honest no-JS answer, 0.1–0.2 % of all
	// honest answers in the simulator, while the scripts it is meant for are excluded anyway by
	// their networks, speed and user agents (naive bots stay ≥ 99.9 % excluded).
	'pow.missing': 2,
	'pow.expired': 1,
	'token.stale': 0,
	'identity.phone_duplicate': 3,
	'identity.duplicate': 3,
	'identity.shared': 1,
	// A household passing the phone on is what the window allows (research §4.4); recorded, no
	// points, so that it cannot add up with being out of county or a busy Wi-Fi to a flag.
	'identity.household': 0,
	'network.datacenter': 3,
	'network.proxy': 3,
	'network.out_of_county': 1,
	'network.near_duplicate': 2,
	'trap.failed': 1,
	'text.gibberish': 1,
	'text.copied': 1,
	'logic.inconsistent': 1,
	'ua.automation': 3,
	'ua.missing': 1,
	'burst.member': 0,
	'burst.template': 3,
	'burst.fast': 3,
	'template.cluster': 1,
	'template.copy': 3,
	'prefix.volume': 1,
	'text.duplicate': 1,
	'offhours.cluster': 1,
	// Evidence for the unit's review only: most honest residents answer anonymously.
	'tier.divergence': 0
};

const ratio = z.number().min(0).max(1);
const count = z.number().int().min(0).max(1_000_000);
const networkTypes = [
	'mobile',
	'broadband',
	'broadband_cgnat',
	'cloud',
	'resi_proxy',
	'gov_edu'
] as const;

export const ruleSetSchema = z
	.object({
		thresholds: z
			.object({
				flag: z.number().int().min(1).max(100).default(2),
				quarantine: z.number().int().min(1).max(100).default(3)
			})
			.prefault({}),
		/**
		 * Codes that can flag but never quarantine: their points count toward the flag threshold only.
		 * Weak, honest-looking signals (a phone shared in a household, answering from outside the
		 * county, a busy village Wi-Fi, a common phrase) must not add up to an exclusion.
		 */
		flagOnly: z
			.array(z.enum(reasonCodes))
			.default([
				'identity.shared',
				'identity.household',
				'network.out_of_county',
				'prefix.volume',
				'text.duplicate'
			]),
		points: z
			.partialRecord(z.enum(reasonCodes), z.number().int().min(0).max(20))
			.default({})
			.transform((p) => ({ ...defaultPoints, ...p }) as Record<ReasonCode, number>),
		speed: z
			.object({
				/** Hard and soft cut-offs as fractions of the survey's running median duration. */
				hard: ratio.default(0.3),
				soft: ratio.default(0.4),
				/** Answers needed before the median is used; before that the fallback applies. */
				minSamples: count.default(100),
				/** Fallback hard cut-off: per rating item plus a base, in milliseconds. */
				fallbackPerItemMs: count.default(1_000),
				fallbackBaseMs: count.default(10_000),
				/** How many recent answers the running median is taken over. */
				medianWindow: z.number().int().min(50).max(100_000).default(2_000)
			})
			.prefault({}),
		pow: z
			.object({
				/** A solve faster than this fraction of the median for the same browser class. */
				fastRatio: ratio.default(0.2),
				minSamples: count.default(100)
			})
			.prefault({}),
		identity: z
			.object({
				/**
				 * Answers differing in at most this many rating items are near-identical (with the
				 * agreement below). The research's "≤ 3 of 13" was for 13 items most residents rate; with
				 * 30 units a resident rates ~7 and answering again mostly changes which units they rate.
				 * The agreement over units both rated is what tells a different person, so the count is 5
				 * (in the simulator 3 left 6–8 % of identified repeats counted, 5 leaves 1–3 %).
				 */
				hamming: count.default(5),
				/** Submissions per identity key before every further one is a duplicate. */
				maxPerKey: z.number().int().min(1).max(100).default(3),
				/**
				 * Near-identical also needs this share of the units *both* answers rated to be rated alike
				 * (and at least one such unit). It used to be taken over the units either rated, which
				 * counted a repeat that adds or drops a don't-know as disagreement: it let
				 * 11–16 % of identified repeats through as "households" in the simulator.
				 */
				minAgreement: ratio.default(0.75),
				/**
				 * Within this many minutes of an earlier submission on the same key, a household member
				 * passing the phone on is plausible (research §4.4: shared accounts answer "within 2 hours",
				 * and a shared account needs "a plausible timing"); there only answers within
				 * `householdHamming` of the earlier ones are a duplicate, since relatives often answer
				 * alike. Later, the key is presumed to be the same person unless the answers differ.
				 */
				householdWindowMinutes: z
					.number()
					.int()
					.min(0)
					.max(7 * 24 * 60)
					.default(120),
				householdHamming: count.default(0)
			})
			.prefault({}),
		prefix: z
			.object({
				hamming: count.default(1),
				windowHours: z
					.number()
					.min(1)
					.max(24 * 30)
					.default(24),
				/** Both answers must know at least this many units (DK-only answers look alike). */
				minKnown: count.default(5),
				/** Network types whose prefix is narrow enough to mean "one household or office". */
				types: z
					.array(z.enum(networkTypes))
					.default(['broadband', 'gov_edu', 'cloud', 'resi_proxy'])
			})
			.prefault({}),
		straightline: z
			.object({
				minKnown: count.default(8),
				/**
				 * Straight-lining counts only together with a duration below this × median (the research
				 * suggests 0.6; at 0.6 fast all-satisfied residents made up a fifth of the honest flags in
				 * the simulator, for few more careless answerers caught).
				 */
				speedBelow: ratio.default(0.5)
			})
			.prefault({}),
		sequence: z.object({ minKnown: count.default(8) }).prefault({}),
		/**
		 * Rating (nearly) every unit of a long list: residents answer 不了解 for departments they do not
		 * know, careless answerers and copied templates do not. Off for short lists.
		 */
		allKnown: z
			.object({
				minItems: count.default(15),
				share: ratio.default(0.8)
			})
			.prefault({}),
		text: z.object({ minLength: count.default(6) }).prefault({}),
		burst: z
			.object({
				windowMinutes: z
					.number()
					.int()
					.min(30)
					.max(24 * 60)
					.default(120),
				stepMinutes: z.literal(30).default(30),
				ratio: z.number().min(1).max(100).default(2),
				minExcess: count.default(30),
				p: z.number().min(0).max(1).default(1e-6),
				/** Top-box (or bottom-box) share shift, in standard errors. */
				z: z.number().min(0).max(100).default(4),
				/** Members faster than this × median are quarantined in an alerted window. */
				fastBelow: ratio.default(0.5),
				/** A member answering this share of all units with the shifted level is a template. */
				templateKnownShare: ratio.default(0.8),
				/** Identical answer vectors at least this often in the window are a template. */
				templateRepeat: z.number().int().min(2).max(1000).default(3),
				/** The baseline needs at least this many answers outside the window. */
				minBaseline: count.default(200),
				/** Pseudo-count pulling an area's baseline toward the unit's (sparse villages). */
				areaPrior: z.number().min(0).max(10_000).default(20)
			})
			.prefault({}),
		template: z
			.object({
				windowMinutes: z
					.number()
					.int()
					.min(10)
					.max(24 * 60)
					.default(60),
				minSize: z.number().int().min(2).max(1000).default(5),
				maxBaselineShare: ratio.default(0.005),
				/** Vectors knowing fewer units than this are too common to mean a template. */
				minKnown: count.default(3)
			})
			.prefault({}),
		concentration: z
			.object({
				top: z.number().int().min(1).max(100).default(3),
				share: ratio.default(0.3),
				minCount: count.default(20)
			})
			.prefault({}),
		prefixVolume: z
			.object({
				perHour: z.number().int().min(1).max(100_000).default(30),
				types: z
					.array(z.enum(networkTypes))
					.default(['broadband', 'gov_edu', 'cloud', 'resi_proxy'])
			})
			.prefault({}),
		/**
		 * Off-hours regularity (research §7 row 27): a cluster (one narrow network prefix, or one answer
		 * vector rating at least `minKnown` units) with at least `minSize` submissions in the night
		 * hours, whose night share exceeds `ratio` × the survey's night share (never below
		 * `baselineFloor`, the research's ≈ 1 %). Hours are county time (`utcOffsetMinutes`).
		 */
		offHours: z
			.object({
				fromHour: z.number().int().min(0).max(23).default(1),
				toHour: z.number().int().min(0).max(24).default(5),
				utcOffsetMinutes: z
					.number()
					.int()
					.min(-14 * 60)
					.max(14 * 60)
					.default(480),
				minSize: z.number().int().min(2).max(1000).default(5),
				ratio: z.number().min(1).max(1000).default(5),
				baselineFloor: ratio.default(0.01),
				minKnown: count.default(3)
			})
			.prefault({}),
		/**
		 * Identity-tier divergence (research §7 row 26): a unit whose anonymous answers (device cookie
		 * or none) score more than `minPoints` away from its verified ones (invitation, phone), and
		 * more than `z` standard errors, with at least `minEach` answers in each tier.
		 */
		tierDivergence: z
			.object({
				minPoints: z.number().min(0).max(100).default(5),
				z: z.number().min(0).max(100).default(1.96),
				minEach: z.number().int().min(2).max(1_000_000).default(30)
			})
			.prefault({}),
		textDuplicate: z
			.object({
				minSize: z.number().int().min(2).max(1000).default(5),
				/** Short: residents' set phrases recur over a day, copied ones arrive together. */
				windowHours: z
					.number()
					.min(0.5)
					.max(24 * 30)
					.default(2)
			})
			.prefault({})
	})
	.superRefine((r, ctx) => {
		if (r.thresholds.quarantine < r.thresholds.flag) {
			ctx.addIssue({
				code: 'custom',
				path: ['thresholds', 'quarantine'],
				message: 'quarantine_below_flag'
			});
		}
		if (r.speed.soft < r.speed.hard) {
			ctx.addIssue({ code: 'custom', path: ['speed', 'soft'], message: 'soft_below_hard' });
		}
	});

export type RuleSet = z.output<typeof ruleSetSchema>;
export type RuleSetInput = z.input<typeof ruleSetSchema>;

/** The defaults: what version 1 of every cycle's rule set is when nobody changed it. */
export const defaultRuleSet: RuleSet = ruleSetSchema.parse({});

/** `POST /api/v1/cycles/{id}/rule-sets`: the changes (merged over the current version) and why. */
export const ruleSetChangeSchema = z.object({
	rules: z.record(z.string(), z.unknown()).default({}),
	reason: z.string().trim().max(1000).optional()
});
export type RuleSetChange = z.infer<typeof ruleSetChangeSchema>;

/** A reviewer's decision on one submission or a whole cluster (DESIGN.md §12). */
export const reviewDecisionSchema = z.object({
	decision: z.enum(['accept', 'exclude']),
	reason: z.string().trim().min(3, { error: 'reason_required' }).max(1000)
});

export const bulkReviewSchema = reviewDecisionSchema
	.extend({
		ids: z.array(z.uuid()).min(1).max(10_000).optional(),
		/** A cluster key from the review queue, e.g. `reason:speed.hard` or `alert:12`. */
		cluster: z
			.string()
			.trim()
			.max(200)
			.regex(/^(reason|alert|pattern):[A-Za-z0-9_.:-]+$/, { error: 'invalid_cluster' })
			.optional()
	})
	.refine((b) => !!b.ids !== !!b.cluster, { error: 'ids_or_cluster' });
export type BulkReview = z.infer<typeof bulkReviewSchema>;
