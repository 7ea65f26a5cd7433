import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { and, eq } from 'drizzle-orm';
import { createTestDb } from '$lib/server/db/testing';
import type { Db, DbHandle } from '$lib/server/db/client';
import { auditLog } from '$lib/server/db/schema';
import { importCycle } from '$lib/server/cycles/cycle-document';
import {
	getSurveyBySlug,
	publishSurvey,
	surveyToInput,
	updateSurvey
} from '$lib/server/surveys/surveys';
import { checkSurveyReferences } from '$lib/server/surveys/survey-references';
import { readBuilderForm } from '$lib/server/surveys/builder-form';
import { surveyUnits } from '$lib/server/surveys/survey-units';
import { ReadOnlyError, ValidationError } from '$lib/server/errors';
import { cycleDocumentSchema } from '$lib/schemas/cycle-document';
import { surveyInputSchema } from '$lib/schemas/survey';
import { admin } from '../fixtures/db';
import { sampleCycleDocument } from '../fixtures/cycle';

let handle: DbHandle;
let db: Db;
let cycleId: number;

beforeAll(async () => {
	handle = await createTestDb();
	db = handle.db;
	cycleId = await importCycle(
		db,
		admin,
		cycleDocumentSchema.parse(sampleCycleDocument(2025, 'sb'))
	);
});
afterAll(async () => {
	await handle?.close();
});

/** What a client sends: the stored survey as JSON, edited, then parsed by the shared schema. */
async function asClientInput(slug: string, edit: (x: Record<string, unknown>) => void) {
	const json = JSON.parse(JSON.stringify(surveyToInput(await getSurveyBySlug(db, slug))));
	edit(json);
	return surveyInputSchema.parse(json);
}

async function caught(p: Promise<unknown>): Promise<unknown> {
	return p.then(
		() => null,
		(e: unknown) => e
	);
}

describe('editing a published survey', () => {
	it('accepts text edits of a freshly parsed input (jsonb key order does not matter) and logs them', async () => {
		const slug = 'sb-residents-2025';
		await publishSurvey(db, admin, slug);
		const input = await asClientInput(slug, (x) => {
			x.title = '修订后的标题';
			const q = (x.questions as { text: string; options?: { label: string }[] }[])[0];
			q.text = '修订后的题目';
			q.options![0].label = '修订后的选项';
		});
		const row = await updateSurvey(db, admin, slug, input);
		expect(row.title).toBe('修订后的标题');
		expect(row.definition.questions[0].text).toBe('修订后的题目');
		expect(row.definition.questions[0].options![0].label).toBe('修订后的选项');
		// The units frozen at publication stay.
		expect(row.definition.frozenUnits).toEqual(['TW01', 'TW02', 'D01', 'D02', 'D03']);
		const logged = await db
			.select()
			.from(auditLog)
			.where(and(eq(auditLog.action, 'survey.edit_texts'), eq(auditLog.targetId, slug)));
		expect(logged).toHaveLength(1);
	});

	it('refuses structural edits', async () => {
		const slug = 'sb-residents-2025';
		for (const edit of [
			(x: Record<string, unknown>) => (x.scale = 'haoping5'),
			(x: Record<string, unknown>) => (x.units = ['TW01']),
			(x: Record<string, unknown>) =>
				((x.questions as { options?: { code: string }[] }[])[0].options![0].code = 'other')
		]) {
			const err = await caught(updateSurvey(db, admin, slug, await asClientInput(slug, edit)));
			expect(err).toBeInstanceOf(ReadOnlyError);
		}
	});
});

describe('survey references', () => {
	it('accepts the names of the cycle and lists every unknown one at its path', async () => {
		await checkSurveyReferences(db, cycleId, { groups: ['residents'], units: 'all' });
		await checkSurveyReferences(db, cycleId, {
			groups: ['deputies'],
			units: { categories: ['township'] }
		});
		const err = await caught(
			checkSurveyReferences(db, cycleId, {
				groups: ['x', 'residents', 'y'],
				units: ['TW01', 'NOPE']
			})
		);
		expect(err).toBeInstanceOf(ValidationError);
		expect((err as ValidationError).fields).toEqual([
			{ path: 'groups.0', message: 'unknown_group' },
			{ path: 'groups.2', message: 'unknown_group' },
			{ path: 'units.1', message: 'unknown_unit' }
		]);
	});
});

describe('survey units', () => {
	it('lists a draft selection by category, and the frozen list once published', async () => {
		const deputies = await getSurveyBySlug(db, 'sb-deputies-2025');
		expect((await surveyUnits(db, deputies)).map((u) => u.code)).toEqual(['TW01', 'D01', 'D03']);
		const published = await getSurveyBySlug(db, 'sb-residents-2025');
		expect((await surveyUnits(db, published)).map((u) => [u.code, u.name])).toEqual([
			['TW01', '河口镇'],
			['TW02', '石桥镇'],
			['D01', '县公安局'],
			['D02', '县政务服务中心'],
			['D03', '县委办公室']
		]);
	});
});

describe('the builder form', () => {
	const form = (entries: [string, string][]) => {
		const fd = new FormData();
		for (const [k, v] of entries) fd.append(k, v);
		return fd;
	};

	it('reads a draft form into the shared schema, with the window in Beijing time', async () => {
		const draft = await getSurveyBySlug(db, 'sb-deputies-2025');
		const { candidate, errors } = readBuilderForm(
			form([
				['title', ' 代表评议 '],
				['groups', 'deputies'],
				['unitsMode', 'list'],
				['unitCodes', 'TW01'],
				['unitCodes', 'D02'],
				['scale', 'ceping4'],
				['access', 'invitation'],
				['generalComment', 'on'],
				['opensAt', '2025-10-01T08:00'],
				['questions', '[]']
			]),
			draft
		);
		expect(errors).toEqual([]);
		const parsed = surveyInputSchema.parse(candidate);
		expect(parsed).toMatchObject({
			slug: 'sb-deputies-2025',
			title: '代表评议',
			units: ['TW01', 'D02'],
			askArea: false,
			askServiceUse: false,
			unitComments: false,
			generalComment: true
		});
		expect(parsed.opensAt?.toISOString()).toBe('2025-10-01T00:00:00.000Z');
		expect(parsed.closesAt).toBeUndefined();
	});

	it('reports unreadable fields before the schema', async () => {
		const draft = await getSurveyBySlug(db, 'sb-deputies-2025');
		const { errors } = readBuilderForm(
			form([
				['unitsMode', 'categories'],
				['closesAt', '2025-13-01T00:00'],
				['questions', '{"not": "a list"}']
			]),
			draft
		);
		expect(errors).toEqual([
			{ path: 'closesAt', message: 'invalid_datetime' },
			{ path: 'questions', message: 'malformed_json' },
			{ path: 'units', message: 'units_required' }
		]);
	});

	it('takes only wording from the form of a published survey', async () => {
		const published = await getSurveyBySlug(db, 'sb-residents-2025');
		const { candidate } = readBuilderForm(
			form([
				['title', '只改标题'],
				['groups', 'deputies'],
				['unitsMode', 'list'],
				['unitCodes', 'TW01'],
				['scale', 'haoping5'],
				['questions', JSON.stringify([{ id: 'q1', type: 'text', text: '新的题目' }])]
			]),
			published
		);
		const input = surveyInputSchema.parse(candidate);
		expect(input).toMatchObject({
			title: '只改标题',
			groups: ['residents', 'service_recipients'],
			units: 'all',
			scale: 'ceping4'
		});
		expect(input.questions.map((q) => [q.id, q.type, q.text])).toEqual([
			['q1', 'single', '新的题目'],
			['check', 'instructed', '本题请选择“基本满意”'],
			['q2', 'text', '其他意见']
		]);
		// And the service accepts it as a text-only edit.
		await updateSurvey(db, admin, published.slug, input);
	});
});
