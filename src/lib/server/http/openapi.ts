import { z } from 'zod';
import { createTokenSchema, createUserSchema, updateUserSchema } from '$lib/schemas/user';
import {
	categoryInputSchema,
	cycleInputSchema,
	groupInputSchema,
	areaInputSchema,
	unitInputSchema
} from '$lib/schemas/cycle';
import { cycleDocumentSchema } from '$lib/schemas/cycle-document';
import { surveyInputSchema } from '$lib/schemas/survey';
import { responseInputSchema } from '$lib/schemas/response';
import { rectificationInputSchema, rectificationPatchSchema } from '$lib/schemas/feedback';
import { bulkReviewSchema, reviewDecisionSchema, ruleSetChangeSchema } from '$lib/schemas/rule-set';
import {
	createInvitationsSchema,
	phoneVerificationRequestSchema,
	remindersSchema
} from '$lib/schemas/invitation';

type Method = 'get' | 'post' | 'patch' | 'delete' | 'put';

export interface Operation {
	method: Method;
	/** OpenAPI path, e.g. /api/v1/cycles/{id}. */
	path: string;
	summary: string;
	/** Who may call it; "public" needs no token. */
	roles: string[] | 'public';
	body?: z.ZodType;
	/** Success status → description. */
	responses?: Record<number, string>;
	query?: string[];
}

/**
 * Every /api/v1 endpoint. A test walks the route tree and fails when an endpoint is missing here,
 * so the published description cannot drift from the code.
 */
export const operations: Operation[] = [
	{
		method: 'post',
		path: '/api/v1/auth/tokens',
		summary: 'Exchange email and password for an API token (rate-limited)',
		roles: 'public',
		body: createTokenSchema,
		responses: { 201: '{token, id}' }
	},
	{ method: 'get', path: '/api/v1/users', summary: 'List users', roles: ['admin'] },
	{
		method: 'post',
		path: '/api/v1/users',
		summary: 'Create a user; a one-time password is returned when none is given',
		roles: ['admin'],
		body: createUserSchema,
		responses: { 201: '{id, oneTimePassword?}' }
	},
	{ method: 'get', path: '/api/v1/users/{id}', summary: 'One user', roles: ['admin'] },
	{
		method: 'patch',
		path: '/api/v1/users/{id}',
		summary: 'Change role, unit, password or disable; revokes that user’s sessions',
		roles: ['admin'],
		body: updateUserSchema
	},
	{
		method: 'delete',
		path: '/api/v1/users/{id}',
		summary: 'Delete a user',
		roles: ['admin'],
		responses: { 204: 'deleted' }
	},
	{
		method: 'get',
		path: '/api/v1/cycles',
		summary: 'List cycles',
		roles: ['admin', 'viewer', 'reviewer']
	},
	{
		method: 'post',
		path: '/api/v1/cycles',
		summary: 'Create a cycle',
		roles: ['admin'],
		body: cycleInputSchema,
		responses: { 201: 'the cycle' }
	},
	{
		method: 'get',
		path: '/api/v1/cycles/{id}',
		summary: 'One cycle',
		roles: ['admin', 'viewer', 'reviewer']
	},
	{
		method: 'patch',
		path: '/api/v1/cycles/{id}',
		summary: 'Change a cycle; status open|closed (closed is read-only)',
		roles: ['admin'],
		body: cycleInputSchema.partial().extend({ status: z.enum(['open', 'closed']).optional() })
	},
	{
		method: 'post',
		path: '/api/v1/cycles/import',
		summary: 'Create a whole cycle from one document (all or nothing)',
		roles: ['admin'],
		body: cycleDocumentSchema,
		responses: { 201: '{cycleId}' }
	},
	{
		method: 'get',
		path: '/api/v1/cycles/{id}/export',
		summary: 'The whole cycle as one document (same shape as import)',
		roles: ['admin', 'viewer', 'reviewer']
	},
	{
		method: 'get',
		path: '/api/v1/cycles/{id}/categories',
		summary: 'Unit categories with group weights',
		roles: ['admin', 'viewer', 'reviewer']
	},
	{
		method: 'post',
		path: '/api/v1/cycles/{id}/categories',
		summary: 'Add a category (weights sum to 1)',
		roles: ['admin'],
		body: categoryInputSchema,
		responses: { 201: 'the category' }
	},
	{
		method: 'get',
		path: '/api/v1/cycles/{id}/groups',
		summary: 'Respondent groups',
		roles: ['admin', 'viewer', 'reviewer']
	},
	{
		method: 'post',
		path: '/api/v1/cycles/{id}/groups',
		summary: 'Add or update a group',
		roles: ['admin'],
		body: groupInputSchema,
		responses: { 201: 'the group' }
	},
	{
		method: 'get',
		path: '/api/v1/cycles/{id}/areas',
		summary: 'Areas with populations',
		roles: ['admin', 'viewer', 'reviewer']
	},
	{
		method: 'post',
		path: '/api/v1/cycles/{id}/areas',
		summary: 'Add one area or {items} (all or nothing)',
		roles: ['admin'],
		body: z.union([areaInputSchema, z.object({ items: z.array(areaInputSchema) })]),
		responses: { 201: '{imported}' }
	},
	{
		method: 'get',
		path: '/api/v1/cycles/{id}/units',
		summary: 'Units rated',
		roles: ['admin', 'viewer', 'reviewer']
	},
	{
		method: 'post',
		path: '/api/v1/cycles/{id}/units',
		summary: 'Add one unit or {items} (all or nothing)',
		roles: ['admin'],
		body: z.union([unitInputSchema, z.object({ items: z.array(unitInputSchema) })]),
		responses: { 201: '{imported}' }
	},
	{
		method: 'get',
		path: '/api/v1/cycles/{id}/surveys',
		summary: 'Surveys of a cycle',
		roles: ['admin', 'viewer', 'reviewer']
	},
	{
		method: 'post',
		path: '/api/v1/cycles/{id}/surveys',
		summary: 'Create a survey (draft)',
		roles: ['admin'],
		body: surveyInputSchema,
		responses: { 201: 'the survey' }
	},
	{
		method: 'patch',
		path: '/api/v1/surveys/{slug}',
		summary: 'Edit a survey (after publishing only texts; logged)',
		roles: ['admin'],
		body: surveyInputSchema
	},
	{
		method: 'post',
		path: '/api/v1/surveys/{slug}/publish',
		summary: 'Publish: freeze the questionnaire and open it',
		roles: ['admin']
	},
	{
		method: 'post',
		path: '/api/v1/surveys/{slug}/close',
		summary: 'Close: stop submissions (410 afterwards)',
		roles: ['admin']
	},
	{
		method: 'get',
		path: '/api/v1/surveys/{slug}/responses',
		summary: 'Submissions with status, risk, weight and reason codes (never network data)',
		roles: ['admin', 'reviewer'],
		query: ['status', 'cursor', 'limit', 'include']
	},
	{
		method: 'get',
		path: '/api/v1/public/surveys/{slug}',
		summary: 'The survey as a client renders it, with a start token and an ALTCHA challenge',
		roles: 'public',
		responses: { 200: '{survey, start: {token, challenge}}' }
	},
	{
		method: 'post',
		path: '/api/v1/public/surveys/{slug}/responses',
		summary: 'Submit answers: 201 stored (any decision), 200 same submissionId again',
		roles: 'public',
		body: responseInputSchema,
		responses: { 201: '{receipt, submissionId}', 200: 'already stored: same receipt' }
	},
	{
		method: 'get',
		path: '/api/v1/cycles/{id}/scores',
		summary: 'Scores per unit: json, csv (UTF-8 BOM) or xlsx; live, published or a snapshot id',
		roles: ['admin', 'viewer', 'unit_liaison (own unit)'],
		query: ['format', 'exclusions', 'snapshot']
	},
	{
		method: 'get',
		path: '/api/v1/cycles/{id}/snapshots',
		summary: 'Score snapshots of a cycle',
		roles: ['admin', 'viewer']
	},
	{
		method: 'post',
		path: '/api/v1/cycles/{id}/snapshots',
		summary: 'Compute and store a snapshot of the scores',
		roles: ['admin'],
		responses: { 201: 'the snapshot' }
	},
	{
		method: 'post',
		path: '/api/v1/cycles/{id}/snapshots/{sid}/publish',
		summary: 'Publish a snapshot (frozen; a diff against the last published one is kept)',
		roles: ['admin']
	},
	{
		method: 'post',
		path: '/api/v1/public/surveys/{slug}/phone-verification',
		summary:
			'Send a 6-digit code by SMS (5 minutes, 5 tries) for a group that requires a verified phone; rate-limited per phone and per network',
		roles: 'public',
		body: phoneVerificationRequestSchema,
		responses: { 202: '{expiresAt}' }
	},
	{
		method: 'get',
		path: '/api/v1/surveys/{slug}/invitations',
		summary:
			'The roster: name, subgroup, organisation, phone on file, code issued, answered (by the day)',
		roles: ['admin', 'viewer'],
		query: ['group']
	},
	{
		method: 'post',
		path: '/api/v1/surveys/{slug}/invitations',
		summary:
			'Add people (roster) or nameless entries (count) and issue their codes, or issue codes to entries without one (unissued); codes are shown once',
		roles: ['admin'],
		body: createInvitationsSchema,
		responses: { 201: '{issued, codes: [{entryId, label, subgroup, code, link}]}' }
	},
	{
		method: 'get',
		path: '/api/v1/surveys/{slug}/invitations/stats',
		summary: 'Issued and answered per group and subgroup, and answered by day',
		roles: ['admin', 'viewer']
	},
	{
		method: 'post',
		path: '/api/v1/surveys/{slug}/invitations/{entry}/reissue',
		summary: 'Revoke a lost code and issue a new one (409 when the code was used)',
		roles: ['admin'],
		responses: { 200: '{entryId, label, subgroup, code, link}' }
	},
	{
		method: 'post',
		path: '/api/v1/surveys/{slug}/invitations/reminders',
		summary:
			'SMS reminders to people whose code is unused, at most one a day each (reissue: new code and link)',
		roles: ['admin'],
		body: remindersSchema,
		responses: { 200: '{sent, failed, noPhone, alreadyToday}' }
	},
	// ---- anti-fraud and review (issue 6) ----
	{
		method: 'post',
		path: '/api/v1/surveys/{slug}/responses/import',
		summary:
			'NDJSON of paper/historical submissions (application/x-ndjson, one importLine per line): same validation and checks minus token and PoW, in receivedAt order; all or nothing unless partial=true',
		roles: ['admin'],
		query: ['partial'],
		responses: {
			200: '{imported, rejected, errors: [{line, errors}], jobId}',
			400: 'nothing stored: {imported: 0, rejected, errors: [{line, errors}]} (problem+json)'
		}
	},
	{
		method: 'post',
		path: '/api/v1/surveys/{slug}/recheck',
		summary:
			'Retrospective pass: every check and window detector under the current rule set; 202 {job} to poll, or wait=true for 200 {job} with the summary of changed decisions',
		roles: ['admin'],
		query: ['wait'],
		responses: { 202: '{job: {id, status}}', 200: '{job: {id, status, result}}' }
	},
	{
		method: 'get',
		path: '/api/v1/jobs/{id}',
		summary: 'A long-running job (recheck, import): status, progress/total, result or error',
		roles: ['admin', 'reviewer']
	},
	{
		method: 'get',
		path: '/api/v1/cycles/{id}/rule-sets',
		summary: 'Anti-fraud rule-set versions of a cycle (version 1 = defaults)',
		roles: ['admin', 'viewer', 'reviewer']
	},
	{
		method: 'post',
		path: '/api/v1/cycles/{id}/rule-sets',
		summary:
			'New rule-set version from {rules (changes only), reason}; after opening a reason is required and every open survey is rechecked',
		roles: ['admin'],
		body: ruleSetChangeSchema,
		responses: { 201: '{version, rules, jobs: [{survey, jobId}]}' }
	},
	{
		method: 'get',
		path: '/api/v1/surveys/{slug}/alerts',
		summary:
			'Window-detector alerts: {items: [{unit, detector, windowStart, windowEnd, observed, expected, evidence}]}',
		roles: ['admin', 'viewer', 'reviewer']
	},
	{
		method: 'post',
		path: '/api/v1/surveys/{slug}/review',
		summary:
			'Bulk review {ids | cluster, decision: accept|exclude, reason}; logged with the rule-set version',
		roles: ['reviewer', 'admin'],
		body: bulkReviewSchema,
		responses: { 200: '{decided, decision, ruleSetVersion}' }
	},
	{
		method: 'post',
		path: '/api/v1/responses/{id}/review',
		summary: 'Review one submission (by submissionId): {decision: accept|exclude, reason}',
		roles: ['reviewer', 'admin'],
		body: reviewDecisionSchema,
		responses: { 200: '{decided, decision, ruleSetVersion}' }
	},
	{
		method: 'get',
		path: '/api/v1/units/{code}/feedback',
		summary:
			'Unit portal: published result, low items, trend, redacted comments, rectification items, appeals',
		roles: ['admin', 'unit_liaison (own unit)'],
		query: ['cycle']
	},
	{
		method: 'get',
		path: '/api/v1/units/{code}/rectifications',
		summary: 'Rectification items of a unit in a cycle (overdue is derived from the deadline)',
		roles: ['admin', 'unit_liaison (own unit)'],
		query: ['cycle', 'status']
	},
	{
		method: 'post',
		path: '/api/v1/units/{code}/rectifications',
		summary: 'Create a rectification item (deadline today or later, type from the cycle list)',
		roles: ['admin', 'unit_liaison (own unit)'],
		body: rectificationInputSchema,
		responses: { 201: 'the item' }
	},
	{
		method: 'get',
		path: '/api/v1/rectifications/{id}',
		summary: 'A rectification item with history, evidence files and follow-up',
		roles: ['admin', 'unit_liaison (own unit)']
	},
	{
		method: 'patch',
		path: '/api/v1/rectifications/{id}',
		summary: 'Edit, add a note, or move open → in_progress → done → verified (verify: admin)',
		roles: ['admin', 'unit_liaison (own unit)'],
		body: rectificationPatchSchema
	},
	{
		method: 'post',
		path: '/api/v1/rectifications/{id}/evidence',
		summary:
			'Upload an evidence file (multipart field `file`: PDF, JPEG, PNG, DOCX or XLSX by content; size-limited)',
		roles: ['admin', 'unit_liaison (own unit)'],
		responses: { 201: 'the stored file (without its bytes)', 413: 'too large', 415: 'refused type' }
	},
	{ method: 'get', path: '/api/v1/openapi.json', summary: 'This description', roles: 'public' }
];

/** Extends the list (feature modules register their endpoints here). */
export function registerOperations(ops: Operation[]): void {
	for (const op of ops) {
		if (!operations.some((o) => o.method === op.method && o.path === op.path)) operations.push(op);
	}
}

const problem = {
	description: 'Problem details (RFC 9457)',
	content: {
		'application/problem+json': {
			schema: {
				type: 'object',
				properties: {
					type: { type: 'string' },
					title: { type: 'string' },
					status: { type: 'integer' },
					detail: { type: 'string' },
					errors: {
						type: 'array',
						items: {
							type: 'object',
							properties: { path: { type: 'string' }, message: { type: 'string' } }
						}
					}
				}
			}
		}
	}
};

function jsonSchema(schema: z.ZodType): unknown {
	try {
		return z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' });
	} catch {
		return { type: 'object' };
	}
}

export function openApiDocument(serverUrl: string) {
	const paths: Record<string, Record<string, unknown>> = {};
	for (const op of operations) {
		const params = [...op.path.matchAll(/\{(\w+)\}/g)].map((m) => ({
			name: m[1],
			in: 'path',
			required: true,
			schema: { type: 'string' }
		}));
		const query = (op.query ?? []).map((name) => ({
			name,
			in: 'query',
			required: false,
			schema: { type: 'string' }
		}));
		const responses: Record<string, unknown> = {};
		for (const [status, description] of Object.entries(op.responses ?? { 200: 'OK' })) {
			responses[status] = { description };
		}
		for (const status of op.body ? [400, 413, 415] : []) responses[status] = problem;
		if (op.roles !== 'public') {
			responses[401] = problem;
			responses[403] = problem;
		}
		responses[429] = problem;
		(paths[op.path] ??= {})[op.method] = {
			summary: op.summary,
			description: op.roles === 'public' ? 'No account needed.' : `Roles: ${op.roles.join(', ')}.`,
			...(op.roles === 'public' ? { security: [] } : {}),
			parameters: [...params, ...query],
			...(op.body
				? {
						requestBody: {
							required: true,
							content: { 'application/json': { schema: jsonSchema(op.body) } }
						}
					}
				: {}),
			responses
		};
	}
	return {
		openapi: '3.1.0',
		info: {
			title: 'Pingyi API',
			version: '1',
			description:
				'Social-evaluation surveys for a county assessment. JSON in and out; errors are application/problem+json. Admin endpoints take `Authorization: Bearer <token>` (POST /api/v1/auth/tokens).'
		},
		servers: [{ url: serverUrl }],
		components: {
			securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } }
		},
		security: [{ bearer: [] }],
		paths
	};
}
