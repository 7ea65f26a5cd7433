import { and, asc, desc, eq, ne } from 'drizzle-orm';
import type { DbOrTx } from '../db/client';
import { ruleSet, survey } from '../db/schema';
import { appendAudit, type Actor } from '../audit/audit-log';
import { ValidationError } from '../errors';
import { getWritableCycle } from '../cycles/cycles';
import { forgetSurveyView } from '../surveys/survey-view';
import { logger } from '../logger';
import {
	defaultRuleSet,
	ruleSetSchema,
	type RuleSet,
	type RuleSetChange
} from '$lib/schemas/rule-set';

/**
 * Rule-set versions of a cycle. Version 1 is the defaults unless a row says otherwise; every change
 * is a new row (rows are never edited), so a version number names the same thresholds forever and
 * can be cached per process without expiry.
 */

const cache = new WeakMap<object, Map<string, RuleSet>>();

export async function ruleSetFor(db: DbOrTx, cycleId: number, version: number): Promise<RuleSet> {
	let m = cache.get(db);
	if (!m) cache.set(db, (m = new Map()));
	const key = `${cycleId}:${version}`;
	const hit = m.get(key);
	if (hit) return hit;
	const [row] = await db
		.select({ rules: ruleSet.rules })
		.from(ruleSet)
		.where(and(eq(ruleSet.cycleId, cycleId), eq(ruleSet.version, version)));
	let rules = defaultRuleSet;
	if (row) {
		const parsed = ruleSetSchema.safeParse(row.rules);
		if (parsed.success) rules = parsed.data;
		else logger.error({ cycleId, version }, 'stored rule set invalid; using the defaults');
	} else if (version !== 1) {
		logger.warn({ cycleId, version }, 'rule set version missing; using the defaults');
	}
	m.set(key, rules);
	return rules;
}

export interface RuleSetVersion {
	version: number;
	rules: RuleSet;
	reason: string;
	createdBy: string;
	createdAt: Date | null;
}

export async function listRuleSets(db: DbOrTx, cycleId: number): Promise<RuleSetVersion[]> {
	const rows = await db
		.select()
		.from(ruleSet)
		.where(eq(ruleSet.cycleId, cycleId))
		.orderBy(asc(ruleSet.version));
	const out: RuleSetVersion[] = rows.map((r) => {
		const parsed = ruleSetSchema.safeParse(r.rules);
		return {
			version: r.version,
			rules: parsed.success ? parsed.data : defaultRuleSet,
			reason: r.reason,
			createdBy: r.createdBy,
			createdAt: r.createdAt
		};
	});
	if (!out.some((r) => r.version === 1)) {
		out.unshift({
			version: 1,
			rules: defaultRuleSet,
			reason: 'defaults',
			createdBy: 'system',
			createdAt: null
		});
	}
	return out;
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
	return !!v && typeof v === 'object' && !Array.isArray(v);
}

/** Objects merge key by key; anything else (numbers, arrays) replaces. */
export function deepMerge(base: unknown, change: unknown): unknown {
	if (!isPlainObject(base) || !isPlainObject(change)) return change === undefined ? base : change;
	const out: Record<string, unknown> = { ...base };
	for (const [k, v] of Object.entries(change)) out[k] = deepMerge(base[k], v);
	return out;
}

export interface RuleSetCreated {
	version: number;
	rules: RuleSet;
	/** Surveys already open: their decisions must be re-run under the new version. */
	recheck: string[];
}

/**
 * A new version from the latest one and a change. After a survey of the cycle has opened, a reason
 * is required (the change is logged with it) and the caller runs the retrospective pass for every
 * open survey, so all units are judged by the same rules.
 */
export async function createRuleSet(
	db: DbOrTx,
	actor: Actor,
	cycleId: number,
	change: RuleSetChange
): Promise<RuleSetCreated> {
	const created = await db.transaction(async (tx) => {
		await getWritableCycle(tx, cycleId);
		const [latest] = await tx
			.select()
			.from(ruleSet)
			.where(eq(ruleSet.cycleId, cycleId))
			.orderBy(desc(ruleSet.version))
			.limit(1);
		const current = latest ? await ruleSetFor(tx, cycleId, latest.version) : defaultRuleSet;
		const parsed = ruleSetSchema.safeParse(deepMerge(current, change.rules));
		if (!parsed.success) {
			throw new ValidationError(
				'invalid_rule_set',
				parsed.error.issues.map((i) => ({
					path: ['rules', ...i.path.map(String)].join('.'),
					message: i.message
				}))
			);
		}
		if (JSON.stringify(parsed.data) === JSON.stringify(current)) {
			throw new ValidationError('rule_set_unchanged', [
				{ path: 'rules', message: 'rule_set_unchanged' }
			]);
		}
		const surveys = await tx
			.select({ slug: survey.slug, status: survey.status })
			.from(survey)
			.where(and(eq(survey.cycleId, cycleId), ne(survey.status, 'closed')));
		const open = surveys.filter((s) => s.status === 'published').map((s) => s.slug);
		const reason = change.reason?.trim() ?? '';
		if (open.length && reason.length < 3) {
			throw new ValidationError('reason_required', [
				{ path: 'reason', message: 'reason_required' }
			]);
		}
		const version = Math.max(latest?.version ?? 1, 1) + 1;
		await tx.insert(ruleSet).values({
			cycleId,
			version,
			rules: parsed.data as unknown as Record<string, unknown>,
			reason: reason || 'before opening',
			createdBy: actor.label
		});
		await tx
			.update(survey)
			.set({ ruleSetVersion: version, updatedAt: new Date() })
			.where(and(eq(survey.cycleId, cycleId), ne(survey.status, 'closed')));
		await appendAudit(tx, actor, {
			action: 'rule_set.create',
			targetType: 'cycle',
			targetId: cycleId,
			cycleId,
			detail: { version, reason: reason || null, change: change.rules, recheck: open }
		});
		return { version, rules: parsed.data, recheck: open, slugs: surveys.map((s) => s.slug) };
	});
	for (const slug of created.slugs) forgetSurveyView(slug);
	return { version: created.version, rules: created.rules, recheck: created.recheck };
}
