import { readdirSync } from 'node:fs';
import path from 'node:path';

/**
 * The role × route rule table (DESIGN.md §9: "Tests enumerate the role × endpoint matrix").
 *
 * `discoverRoutes()` walks `src/routes` and lists every page (GET), every form action (POST
 * `?/name`) and every `+server.ts` method. `tests/api/foundation-access.api.spec.ts` fails when one
 * of them has no rule here, or a rule names a route that no longer exists: a new route cannot ship
 * without someone deciding, role by role, what it answers.
 *
 * Who asks:
 * - `anonymous`: no credentials at all;
 * - `viewer`, `reviewer`, `unit_liaison` (unit TW01), `admin`: a real account of that role, signed in
 *   with an API token (`Authorization: Bearer`) for `/api/...` and with a session cookie from
 *   `POST /login` for everything else;
 * - `revoked`: a revoked API token for `/api/...`, and the cookie of a signed-out session elsewhere.
 *
 * What they get (`Expect`): a status code; `→/path` for a 303 redirect to that path (query string
 * ignored; a trailing `*` matches any path with that prefix); `2xx` for any success; or `input`: any
 * 4xx other than 401 and 403, for a role let through whose (deliberately empty) input is then
 * refused. Form actions are posted the way the enhanced console posts them (`accept:
 * application/json`, `x-sveltekit-action: true`); their outcome is the status SvelteKit reports
 * inside the JSON answer (`failure` → its status, `redirect` → `→location`, `success` → 200 or
 * 204), or the HTTP status for errors thrown by the action.
 *
 * Writes are given real input where that is simple, so that the admin's (or the allowed role's)
 * request really succeeds; `tests/api/foundation-access.api.spec.ts` seeds the data they name.
 */

export const askers = [
	'anonymous',
	'viewer',
	'reviewer',
	'unit_liaison',
	'admin',
	'revoked'
] as const;
export type Asker = (typeof askers)[number];
/**
 * A status, `→/path` for a 303 there, `2xx` for any success, or `input`: past the role check, the
 * input refused (4xx).
 */
export type Expect = number | `→${string}` | 'input' | '2xx';

/** Ids and codes of the data the access test seeds before it runs the table. */
export interface MatrixContext {
	/** The main cycle (imported from `sampleCycleDocument`). */
	cycleId: number;
	/** A second cycle the `?/close` action may close. */
	closableCycleId: number;
	/** A user that `GET`/`PATCH /api/v1/users/{id}` and the `?/update` action work on. */
	userId: number;
	/** A user that `DELETE /api/v1/users/{id}` deletes. */
	deletableUserId: number;
	/** Email and password of an account used by `POST /api/v1/auth/tokens`. */
	tokenAccount: { email: string; password: string };
	/** A draft survey's slug (public survey pages must not show it). */
	draftSlug: string;
	/** Draft surveys of the main cycle that one rule each publishes, closes or edits. */
	surveys: {
		consolePublish: string;
		consoleClose: string;
		apiPublish: string;
		apiClose: string;
		apiPatch: string;
	};
	/** The invitation-only survey (rosters and invitation codes). */
	rosterSlug: string;
	/** Score snapshots of the main cycle (0 when they could not be made): one per publishing rule. */
	snapshotIds: [number, number];
	/** A fresh suffix for codes and emails. */
	unique(): string;
}

export interface RequestSpec {
	/**
	 * Values of the route's `[params]`; defaults: `[id]` the main cycle, `[file]` units.csv,
	 * `[slug]` the draft survey, `[unit]` TW01.
	 */
	params?: Record<string, string>;
	/** A query string to append (without `?`). */
	query?: string;
	/** JSON body (endpoints). */
	json?: unknown;
	/** Form fields (actions and form endpoints), sent urlencoded unless `file` is given. */
	form?: Record<string, string>;
	/** A file field: the request becomes multipart/form-data. */
	file?: { field: string; name: string; type: string; content: string };
}

export interface RouteRule {
	/** Outcomes for anonymous, viewer, reviewer, unit_liaison, admin, revoked, in that order. */
	expect: [Expect, Expect, Expect, Expect, Expect, Expect];
	request?: (ctx: MatrixContext) => RequestSpec;
	/** Ask with a session made for this request alone (signing out ends the session it uses). */
	freshSession?: boolean;
}

const LOGIN = '→/login';
const UNIT = '→/unit';

/** Console pages anyone in the office may read; unit liaisons are sent to their portal. */
const consolePage: RouteRule = { expect: [LOGIN, 200, 200, UNIT, 200, LOGIN] };
/** Console writes: admin only. */
const adminAction = (request: RouteRule['request'], adminOutcome: Expect = 200): RouteRule => ({
	expect: [LOGIN, 403, 403, UNIT, adminOutcome, LOGIN],
	request
});
const apiRead: RouteRule = { expect: [401, 200, 200, 403, 200, 401] };
const apiWrite = (request: RouteRule['request'], adminOutcome: Expect = 201): RouteRule => ({
	expect: [401, 403, 403, 403, adminOutcome, 401],
	request
});

const areasCsv = (a: string, b: string) =>
	`编码,名称,上级,人口\r\n${a},新镇${a},,100\r\n${b},新村${b},${a},10\r\n`;
const unitsCsv = (a: string, b: string) =>
	`编码,名称,类别,片区\r\n${a},新单位${a},township,TW01\r\n${b},新部门${b},frontline,\r\n`;

export const routeTable: Record<string, RouteRule> = {
	// ---- public and sign-in pages
	'GET /': { expect: [200, '→/admin', '→/admin', UNIT, '→/admin', 200] },
	'GET /login': { expect: [200, '→/', '→/', '→/', '→/', 200] },
	'POST /login ?/default': {
		// A wrong password for everyone: a right one would replace the asker's own session.
		expect: [401, 401, 401, 401, 401, 401],
		request: () => ({ form: { email: 'nobody-here@test.local', password: 'wrong-password' } })
	},
	'GET /logout': { expect: ['→/', '→/', '→/', '→/', '→/', '→/'] },
	'POST /logout ?/default': {
		expect: [LOGIN, LOGIN, LOGIN, LOGIN, LOGIN, LOGIN],
		freshSession: true
	},
	'GET /healthz': { expect: [200, 200, 200, 200, 200, 200] },
	'GET /readyz': { expect: [200, 200, 200, 200, 200, 200] },
	'GET /lang': { expect: ['→/', '→/', '→/', '→/', '→/', '→/'] },

	// ---- the public survey (a draft survey is not shown to anyone)
	'GET /s/[slug]': {
		expect: [404, 404, 404, 404, 404, 404],
		request: (c) => ({ params: { slug: c.draftSlug } })
	},
	'POST /s/[slug] ?/default': {
		// An empty form is refused as input before anything else (no account is involved).
		expect: [400, 400, 400, 400, 400, 400],
		request: (c) => ({ params: { slug: c.draftSlug }, form: {} })
	},
	'GET /api/v1/public/surveys/[slug]': {
		expect: [404, 404, 404, 404, 404, 401],
		request: (c) => ({ params: { slug: c.draftSlug } })
	},
	'POST /api/v1/public/surveys/[slug]/responses': {
		expect: [400, 400, 400, 400, 400, 401],
		request: (c) => ({ params: { slug: c.draftSlug }, json: {} })
	},
	'POST /api/v1/public/surveys/[slug]/phone-verification': {
		// A malformed body is refused before the survey is looked at; no account is involved.
		expect: [400, 400, 400, 400, 400, 401],
		request: (c) => ({ params: { slug: c.draftSlug }, json: {} })
	},
	'GET /s/[slug]/thanks': {
		// Public and the same for everyone, but a draft survey has no thank-you page either.
		expect: [404, 404, 404, 404, 404, 404],
		request: (c) => ({ params: { slug: c.draftSlug } })
	},

	// ---- the signed-in user's own pages
	'GET /account/password': { expect: [LOGIN, 200, 200, 200, 200, LOGIN] },
	'POST /account/password ?/default': {
		// A wrong current password: reachable by every role, and refused as input.
		expect: [LOGIN, 400, 400, 400, 400, LOGIN],
		request: () => ({
			form: { current: 'not-my-password', next: 'new-password-123', confirm: 'new-password-123' }
		})
	},
	'GET /account/tokens': { expect: [LOGIN, 200, 200, 200, 200, LOGIN] },
	'POST /account/tokens ?/create': {
		expect: [LOGIN, 200, 200, 200, 200, LOGIN],
		request: (c) => ({ form: { name: `matrix-${c.unique()}` } })
	},
	'POST /account/tokens ?/revoke': {
		expect: [LOGIN, 404, 404, 404, 404, LOGIN],
		request: () => ({ form: { id: 'no-such-token' } })
	},

	// ---- the office console
	'GET /admin': consolePage,
	'GET /admin/audit': { expect: [LOGIN, 200, 403, UNIT, 200, LOGIN] },
	'GET /admin/users': { expect: [LOGIN, 403, 403, UNIT, 200, LOGIN] },
	'POST /admin/users ?/create': adminAction((c) => ({
		form: { email: `form-${c.unique()}@test.local`, name: '表单用户', role: 'viewer' }
	})),
	'POST /admin/users ?/update': adminAction((c) => ({
		form: { id: String(c.userId), role: 'reviewer' }
	})),
	'GET /admin/cycles': consolePage,
	'POST /admin/cycles ?/create': adminAction(
		() => ({ form: { name: '矩阵新建', year: '2030' } }),
		'→/admin/cycles/*'
	),
	'POST /admin/cycles ?/import': adminAction(
		(c) => ({
			file: {
				field: 'file',
				name: 'cycle.json',
				type: 'application/json',
				content: JSON.stringify({
					cycle: { name: `矩阵导入${c.unique()}`, year: 2031 },
					groups: [{ code: 'residents', label: '群众' }],
					categories: [{ code: 'township', name: '乡镇', weights: { residents: 1 } }]
				})
			}
		}),
		'→/admin/cycles/*'
	),
	'GET /admin/cycles/[id]': consolePage,
	'POST /admin/cycles/[id] ?/settings': adminAction(() => ({
		form: { name: '矩阵改名', year: '2025' }
	})),
	'POST /admin/cycles/[id] ?/open': adminAction(() => ({ form: {} })),
	'POST /admin/cycles/[id] ?/close': adminAction((c) => ({
		params: { id: String(c.closableCycleId) },
		form: {}
	})),
	'GET /admin/cycles/[id]/areas': consolePage,
	'POST /admin/cycles/[id]/areas ?/import': adminAction((c) => {
		const u = c.unique();
		return {
			file: {
				field: 'file',
				name: 'areas.csv',
				type: 'text/csv',
				content: areasCsv(`AI${u}`, `AJ${u}`)
			}
		};
	}),
	'POST /admin/cycles/[id]/areas ?/save': adminAction((c) => ({
		form: { code: `AS${c.unique()}`, name: '新片区', parent: 'TW01', population: '50' }
	})),
	'POST /admin/cycles/[id]/areas ?/delete': adminAction(() => ({ form: { code: 'TW02-01' } })),
	'GET /admin/cycles/[id]/categories': consolePage,
	'POST /admin/cycles/[id]/categories ?/save': adminAction((c) => ({
		form: { code: `C${c.unique()}`, name: '新类别', 'w.residents': '0.6', 'w.deputies': '0.4' }
	})),
	'POST /admin/cycles/[id]/categories ?/delete': adminAction(() => ({ form: { code: 'spare' } })),
	'GET /admin/cycles/[id]/groups': consolePage,
	'POST /admin/cycles/[id]/groups ?/save': adminAction((c) => ({
		form: {
			code: `g${c.unique()}`,
			label: '新群体',
			identity: 'link',
			minValid: '20',
			subgroups: ''
		}
	})),
	'POST /admin/cycles/[id]/groups ?/delete': adminAction(() => ({ form: { code: 'spare_group' } })),
	'GET /admin/cycles/[id]/units': consolePage,
	'POST /admin/cycles/[id]/units ?/import': adminAction((c) => {
		const u = c.unique();
		return {
			file: {
				field: 'file',
				name: 'units.csv',
				type: 'text/csv',
				content: unitsCsv(`UI${u}`, `UJ${u}`)
			}
		};
	}),
	'POST /admin/cycles/[id]/units ?/create': adminAction((c) => ({
		form: { code: `UC${c.unique()}`, name: '新单位', category: 'township', area: '' }
	})),
	'POST /admin/cycles/[id]/units ?/delete': adminAction(() => ({ form: { code: 'D02' } })),
	'GET /admin/cycles/[id]/templates/[file]': consolePage,

	// ---- results (scores are not shown to reviewers while they review)
	'GET /admin/cycles/[id]/results': { expect: [LOGIN, 200, 403, UNIT, 200, LOGIN] },
	'POST /admin/cycles/[id]/results ?/snapshot': adminAction(() => ({
		form: { exclusions: 'applied' }
	})),
	'POST /admin/cycles/[id]/results ?/publish': adminAction((c) => ({
		form: { id: String(c.snapshotIds[0]) }
	})),
	'GET /admin/cycles/[id]/results/[unit]': { expect: [LOGIN, 200, 403, UNIT, 200, LOGIN] },
	'GET /admin/cycles/[id]/results/[unit]/report.pdf': {
		expect: [LOGIN, 200, 403, UNIT, 200, LOGIN]
	},

	// ---- surveys in the console
	'GET /admin/cycles/[id]/surveys': consolePage,
	'POST /admin/cycles/[id]/surveys ?/create': adminAction(
		(c) => ({ form: { slug: `form-${c.unique()}`, title: '表单问卷', groups: 'residents' } }),
		'→/admin/cycles/*'
	),
	'GET /admin/cycles/[id]/surveys/[slug]': consolePage,
	'GET /admin/cycles/[id]/surveys/[slug]/monitor': consolePage,
	// An empty builder form: admins get past the role check and are told what is missing.
	'POST /admin/cycles/[id]/surveys/[slug] ?/save': adminAction(() => ({ form: {} }), 400),
	'POST /admin/cycles/[id]/surveys/[slug] ?/publish': adminAction((c) => ({
		params: { slug: c.surveys.consolePublish },
		form: {}
	})),
	'POST /admin/cycles/[id]/surveys/[slug] ?/close': adminAction((c) => ({
		params: { slug: c.surveys.consoleClose },
		form: {}
	})),
	'GET /admin/surveys/[slug]/qr': {
		expect: [LOGIN, 200, 403, UNIT, 200, LOGIN],
		request: () => ({ query: 'format=svg' })
	},
	'GET /admin/surveys/[slug]/posters': {
		expect: [LOGIN, 200, 403, UNIT, 200, LOGIN],
		request: () => ({ query: 'u=TW01' })
	},
	'GET /methodology': { expect: [200, 200, 200, 200, 200, 200] },

	// ---- rosters and invitation codes (empty input: admins get past the role check only)
	'GET /admin/cycles/[id]/surveys/[slug]/rosters': {
		expect: [LOGIN, 200, 403, UNIT, 200, LOGIN],
		request: (c) => ({ params: { slug: c.rosterSlug } })
	},
	...Object.fromEntries(
		['add', 'edit', 'import', 'remind', 'remove', 'sendCodes'].map((action) => [
			`POST /admin/cycles/[id]/surveys/[slug]/rosters ?/${action}`,
			adminAction((c) => ({ params: { slug: c.rosterSlug }, form: {} }), 'input')
		])
	),
	// Without a group, the admin is sent back to the roster page with a notice.
	'POST /admin/cycles/[id]/surveys/[slug]/rosters/slips': adminAction(
		(c) => ({ params: { slug: c.rosterSlug }, form: {} }),
		'→/admin/cycles/*'
	),
	'GET /admin/cycles/[id]/surveys/[slug]/rosters/templates/[file]': {
		expect: [LOGIN, 200, 403, UNIT, 200, LOGIN],
		request: (c) => ({ params: { slug: c.rosterSlug, file: 'roster.xlsx' } })
	},
	'GET /api/v1/surveys/[slug]/invitations': {
		expect: [401, 200, 403, 403, 200, 401],
		request: (c) => ({ params: { slug: c.rosterSlug } })
	},
	'GET /api/v1/surveys/[slug]/invitations/stats': {
		expect: [401, 200, 403, 403, 200, 401],
		request: (c) => ({ params: { slug: c.rosterSlug } })
	},
	'POST /api/v1/surveys/[slug]/invitations': apiWrite(
		(c) => ({ params: { slug: c.rosterSlug }, json: {} }),
		'input'
	),
	'POST /api/v1/surveys/[slug]/invitations/reminders': apiWrite(
		(c) => ({ params: { slug: c.rosterSlug }, json: {} }),
		'input'
	),
	'POST /api/v1/surveys/[slug]/invitations/[entry]/reissue': apiWrite(
		(c) => ({ params: { slug: c.rosterSlug, entry: '999999' } }),
		'input'
	),

	// ---- the unit portal (office readers are sent to the console; admins may look in)
	'GET /unit': { expect: [LOGIN, '→/admin', '→/admin', 200, 200, LOGIN] },
	'POST /unit ?/appeal': {
		expect: [LOGIN, '→/admin', '→/admin', 'input', 403, LOGIN],
		request: () => ({ form: {} })
	},
	'GET /unit/rectifications/new': {
		// An admin names the unit; a liaison's is their own.
		expect: [LOGIN, '→/admin', '→/admin', 200, 200, LOGIN],
		request: () => ({ query: 'unit=TW01' })
	},
	'POST /unit/rectifications/new ?/default': {
		expect: [LOGIN, '→/admin', '→/admin', 'input', 'input', LOGIN],
		request: () => ({ form: {} })
	},

	// ---- comments: every office reader may read them (redacted); reviewers and admins moderate
	'GET /admin/cycles/[id]/comments': consolePage,
	'POST /admin/cycles/[id]/comments ?/moderate': {
		expect: [LOGIN, 403, 404, UNIT, 404, LOGIN],
		request: () => ({ form: { id: '999999', action: 'show' } })
	},
	'POST /admin/cycles/[id]/comments ?/showAll': {
		expect: [LOGIN, 403, 200, UNIT, 200, LOGIN],
		request: () => ({ form: {} })
	},
	'POST /admin/cycles/[id]/comments ?/redactAll': {
		expect: [LOGIN, 403, 200, UNIT, 200, LOGIN],
		request: () => ({ form: {} })
	},
	'POST /admin/cycles/[id]/comments ?/settings': adminAction(() => ({ form: {} })),

	// ---- rectification overview (about results: admins and viewers; reviewers see no scores)
	'GET /admin/cycles/[id]/rectification': { expect: [LOGIN, 200, 403, UNIT, 200, LOGIN] },
	'GET /admin/cycles/[id]/rectification/export': { expect: [LOGIN, 200, 403, UNIT, 200, LOGIN] },
	...Object.fromEntries(
		['create', 'carryOver', 'saveType'].map((action) => [
			`POST /admin/cycles/[id]/rectification ?/${action}`,
			adminAction(() => ({ form: {} }), 'input')
		])
	),
	'POST /admin/cycles/[id]/rectification ?/deleteType': adminAction(
		() => ({ form: { code: 'no_such_type' } }),
		404
	),
	'POST /admin/cycles/[id]/rectification ?/remindOverdue': adminAction(() => ({ form: {} })),
	'POST /admin/cycles/[id]/rectification ?/settings': adminAction(() => ({
		form: { appealDays: '15' }
	})),
	'GET /admin/cycles/[id]/rectification/appeals/[aid]': {
		expect: [LOGIN, 404, 403, UNIT, 404, LOGIN],
		request: () => ({ params: { aid: '999999' } })
	},
	'POST /admin/cycles/[id]/rectification/appeals/[aid] ?/answer': adminAction(
		() => ({ params: { aid: '999999' }, form: {} }),
		'input'
	),

	// ---- a rectification item in the unit portal (no such item: 404 for whoever may look)
	'GET /unit/rectifications/[rid]': {
		expect: [LOGIN, '→/admin', '→/admin', 404, 404, LOGIN],
		request: () => ({ params: { rid: '999999' } })
	},
	'GET /unit/rectifications/[rid]/evidence/[fid]': {
		expect: [LOGIN, '→/admin', '→/admin', 404, 404, LOGIN],
		request: () => ({ params: { rid: '999999', fid: '1' } })
	},
	// Valid input, so that the item lookup (not the form check) gives the answer.
	'POST /unit/rectifications/[rid] ?/update': {
		expect: [LOGIN, '→/admin', '→/admin', 404, 404, LOGIN],
		request: () => ({ params: { rid: '999999' }, form: { description: '矩阵描述', owner: '矩阵' } })
	},
	'POST /unit/rectifications/[rid] ?/status': {
		expect: [LOGIN, '→/admin', '→/admin', 404, 404, LOGIN],
		request: () => ({ params: { rid: '999999' }, form: { status: 'in_progress' } })
	},
	'POST /unit/rectifications/[rid] ?/note': {
		expect: [LOGIN, '→/admin', '→/admin', 404, 404, LOGIN],
		request: () => ({ params: { rid: '999999' }, form: { note: '矩阵备注' } })
	},
	'POST /unit/rectifications/[rid] ?/evidence': {
		expect: [LOGIN, '→/admin', '→/admin', 404, 404, LOGIN],
		request: () => ({ params: { rid: '999999' }, form: {} })
	},
	// Reminders and follow-up surveys are the office's.
	'POST /unit/rectifications/[rid] ?/remind': {
		expect: [LOGIN, '→/admin', '→/admin', 403, 404, LOGIN],
		request: () => ({ params: { rid: '999999' }, form: {} })
	},
	'POST /unit/rectifications/[rid] ?/followup': {
		expect: [LOGIN, '→/admin', '→/admin', 403, 404, LOGIN],
		request: () => ({ params: { rid: '999999' }, form: {} })
	},

	// ---- feedback API: admins, and a liaison for their own unit (TW01) only
	'GET /api/v1/units/[code]/feedback': {
		expect: [401, 403, 403, 200, 200, 401],
		request: () => ({ params: { code: 'TW01' } })
	},
	'GET /api/v1/units/[code]/rectifications': {
		expect: [401, 403, 403, 200, 200, 401],
		request: () => ({ params: { code: 'TW01' } })
	},
	'POST /api/v1/units/[code]/rectifications': {
		expect: [401, 403, 403, 'input', 'input', 401],
		request: () => ({ params: { code: 'TW01' }, json: {} })
	},
	'GET /api/v1/rectifications/[id]': {
		expect: [401, 403, 403, 404, 404, 401],
		request: () => ({ params: { id: '999999' } })
	},
	'PATCH /api/v1/rectifications/[id]': {
		expect: [401, 403, 403, 404, 404, 401],
		request: () => ({ params: { id: '999999' }, json: { note: '矩阵备注' } })
	},
	'POST /api/v1/rectifications/[id]/evidence': {
		expect: [401, 403, 403, 404, 404, 401],
		request: () => ({ params: { id: '999999' } })
	},

	// ---- review and fraud checks (reviewers and admins)
	// The review console: viewers are office readers but do not decide on submissions.
	'GET /admin/cycles/[id]/review': { expect: [LOGIN, 403, 200, UNIT, 200, LOGIN] },
	'POST /admin/cycles/[id]/review ?/review': {
		expect: [LOGIN, 403, 'input', UNIT, 'input', LOGIN],
		request: () => ({ form: {} })
	},
	// No survey named: the admin gets past the role check and is told there is no such survey.
	'POST /admin/cycles/[id]/review ?/recheck': adminAction(() => ({ form: {} }), 404),
	'POST /api/v1/responses/[id]/review': {
		expect: [401, 403, 'input', 403, 'input', 401],
		request: () => ({ params: { id: '999999' }, json: {} })
	},
	'POST /api/v1/surveys/[slug]/review': {
		expect: [401, 403, 'input', 403, 'input', 401],
		request: () => ({ json: {} })
	},
	'GET /api/v1/jobs/[id]': {
		expect: [401, 403, 'input', 403, 'input', 401],
		request: () => ({ params: { id: '999999' } })
	},
	'GET /api/v1/surveys/[slug]/alerts': apiRead,
	// Synchronous (200) or a job to poll (202), as DESIGN.md §12 allows.
	'POST /api/v1/surveys/[slug]/recheck': apiWrite(() => ({}), '2xx'),
	'POST /api/v1/surveys/[slug]/responses/import': apiWrite(() => ({ json: {} }), 'input'),
	'GET /api/v1/cycles/[id]/rule-sets': apiRead,
	'POST /api/v1/cycles/[id]/rule-sets': apiWrite(() => ({ json: {} }), 'input'),

	// ---- REST API
	'GET /api/v1/openapi.json': { expect: [200, 200, 200, 200, 200, 401] },
	// A unit liaison gets the scores of their own unit only.
	'GET /api/v1/cycles/[id]/scores': { expect: [401, 200, 403, 200, 200, 401] },
	'GET /api/v1/cycles/[id]/snapshots': { expect: [401, 200, 403, 403, 200, 401] },
	'POST /api/v1/cycles/[id]/snapshots': apiWrite(() => ({ json: { exclusions: 'applied' } })),
	'POST /api/v1/cycles/[id]/snapshots/[sid]/publish': apiWrite(
		(c) => ({ params: { sid: String(c.snapshotIds[1]) } }),
		200
	),
	'PATCH /api/v1/surveys/[slug]': apiWrite(
		(c) => ({
			params: { slug: c.surveys.apiPatch },
			json: { title: '接口改过的问卷', groups: ['residents'] }
		}),
		200
	),
	'POST /api/v1/surveys/[slug]/publish': apiWrite(
		(c) => ({ params: { slug: c.surveys.apiPublish } }),
		200
	),
	'POST /api/v1/surveys/[slug]/close': apiWrite(
		(c) => ({ params: { slug: c.surveys.apiClose } }),
		200
	),
	'GET /api/v1/surveys/[slug]/responses': { expect: [401, 403, 200, 403, 200, 401] },
	'POST /api/v1/auth/tokens': {
		// Public by design (it is how a token is obtained), but a revoked bearer is refused first.
		expect: [201, 201, 201, 201, 201, 401],
		request: (c) => ({ json: { ...c.tokenAccount, name: `matrix-${c.unique()}` } })
	},
	'GET /api/v1/cycles': apiRead,
	'POST /api/v1/cycles': apiWrite(() => ({ json: { name: '接口新建', year: 2032 } })),
	'POST /api/v1/cycles/import': apiWrite((c) => ({
		json: {
			cycle: { name: `接口导入${c.unique()}`, year: 2033 },
			groups: [{ code: 'residents', label: '群众' }],
			categories: [{ code: 'township', name: '乡镇', weights: { residents: 1 } }],
			areas: [{ code: 'TW01', name: '河口镇', population: 10 }],
			units: [{ code: 'TW01', name: '河口镇', category: 'township', area: 'TW01' }]
		}
	})),
	'GET /api/v1/cycles/[id]': apiRead,
	'PATCH /api/v1/cycles/[id]': apiWrite(() => ({ json: { name: '接口改名' } }), 200),
	'GET /api/v1/cycles/[id]/export': apiRead,
	'GET /api/v1/cycles/[id]/areas': apiRead,
	'POST /api/v1/cycles/[id]/areas': apiWrite((c) => ({
		json: { code: `AP${c.unique()}`, name: '接口片区', parent: 'TW01', population: 5 }
	})),
	'GET /api/v1/cycles/[id]/categories': apiRead,
	'POST /api/v1/cycles/[id]/categories': apiWrite((c) => ({
		json: { code: `CP${c.unique()}`, name: '接口类别', weights: { residents: 1 } }
	})),
	'GET /api/v1/cycles/[id]/groups': apiRead,
	'POST /api/v1/cycles/[id]/groups': apiWrite((c) => ({
		json: { code: `gp${c.unique()}`, label: '接口群体', identity: 'link' }
	})),
	'GET /api/v1/cycles/[id]/surveys': apiRead,
	'POST /api/v1/cycles/[id]/surveys': apiWrite((c) => ({
		json: { slug: `matrix-${c.unique().toLowerCase()}`, title: '接口问卷', groups: ['residents'] }
	})),
	'GET /api/v1/cycles/[id]/units': apiRead,
	'POST /api/v1/cycles/[id]/units': apiWrite((c) => ({
		json: { code: `UP${c.unique()}`, name: '接口单位', category: 'township' }
	})),
	'GET /api/v1/users': { expect: [401, 403, 403, 403, 200, 401] },
	'POST /api/v1/users': apiWrite((c) => ({
		json: { email: `api-${c.unique()}@test.local`, name: '接口用户', role: 'viewer' }
	})),
	'GET /api/v1/users/[id]': {
		expect: [401, 403, 403, 403, 200, 401],
		request: (c) => ({ params: { id: String(c.userId) } })
	},
	'PATCH /api/v1/users/[id]': apiWrite(
		(c) => ({ params: { id: String(c.userId) }, json: { name: '改过的名字' } }),
		200
	),
	'DELETE /api/v1/users/[id]': apiWrite((c) => ({ params: { id: String(c.deletableUserId) } }), 204)
};

export interface DiscoveredRoute {
	/** `GET /admin/cycles/[id]`, `POST /admin/cycles/[id] ?/settings`, `PATCH /api/v1/users/[id]`. */
	key: string;
	kind: 'page' | 'action' | 'endpoint';
	method: string;
	/** The URL pattern: the route id without `(group)` segments. */
	pattern: string;
	action?: string;
}

const httpMethods = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS', 'fallback'];
const pageFiles = ['+page.svelte', '+page.server.ts', '+page.ts', '+page.js', '+page.server.js'];

/** The URL pattern of a route directory: its route id without `(group)` segments. */
function patternOf(routesDir: string, dir: string): string {
	const rel = path.relative(routesDir, dir).split(path.sep).filter(Boolean);
	return '/' + rel.filter((s) => !/^\(.*\)$/.test(s)).join('/');
}

/**
 * The URL patterns of every page that renders (has a `+page.svelte`), without importing anything, so
 * that Playwright can use it too: e2e/security.e2e.ts opens every one of them in the browser. (A
 * `+page.server.ts` alone, like /logout's, only answers with a redirect.)
 */
export function discoverPages(routesDir: string): string[] {
	const out: string[] = [];
	const walk = (dir: string) => {
		const entries = readdirSync(dir, { withFileTypes: true });
		if (entries.some((e) => e.isFile() && e.name === '+page.svelte')) {
			out.push(patternOf(routesDir, dir));
		}
		for (const e of entries.filter((x) => x.isDirectory())) walk(path.join(dir, e.name));
	};
	walk(routesDir);
	return out.sort();
}

/** Walks `src/routes` and lists every page, form action and endpoint method it defines. */
export async function discoverRoutes(routesDir: string): Promise<DiscoveredRoute[]> {
	const out: DiscoveredRoute[] = [];
	const walk = async (dir: string) => {
		const entries = readdirSync(dir, { withFileTypes: true });
		const files = new Set(entries.filter((e) => e.isFile()).map((e) => e.name));
		const pattern = patternOf(routesDir, dir);
		const isPage = pageFiles.some((f) => files.has(f));
		if (isPage) out.push({ key: `GET ${pattern}`, kind: 'page', method: 'GET', pattern });
		for (const name of ['+page.server.ts', '+page.server.js']) {
			if (!files.has(name)) continue;
			const mod = (await import(/* @vite-ignore */ path.join(dir, name))) as { actions?: object };
			for (const action of Object.keys(mod.actions ?? {})) {
				out.push({
					key: `POST ${pattern} ?/${action}`,
					kind: 'action',
					method: 'POST',
					pattern,
					action
				});
			}
		}
		for (const name of ['+server.ts', '+server.js']) {
			if (!files.has(name)) continue;
			const mod = (await import(/* @vite-ignore */ path.join(dir, name))) as Record<
				string,
				unknown
			>;
			for (const m of httpMethods.filter((x) => typeof mod[x] === 'function')) {
				out.push({ key: `${m} ${pattern}`, kind: 'endpoint', method: m, pattern });
			}
		}
		for (const e of entries.filter((x) => x.isDirectory())) await walk(path.join(dir, e.name));
	};
	await walk(routesDir);
	return out.sort((a, b) => a.key.localeCompare(b.key));
}
