import { eq } from 'drizzle-orm';
import type { Db } from '../db/client';
import { cycle } from '../db/schema';
import { logger } from '../logger';
import { systemActor } from '../audit/audit-log';
import { cycleDocumentSchema } from '$lib/schemas/cycle-document';
import { importCycle } from '../cycles/cycle-document';
import { publishSurvey } from '../surveys/surveys';
import { demoCountyDocument } from './demo-county';

/** Loads the demo county as an open cycle with its resident survey published. */
export async function seedDemoCounty(db: Db, year: number): Promise<number> {
	const doc = cycleDocumentSchema.parse(demoCountyDocument(year));
	const cycleId = await importCycle(db, systemActor, doc);
	await db.update(cycle).set({ status: 'open' }).where(eq(cycle.id, cycleId));
	await publishSurvey(db, systemActor, doc.surveys[0].slug);
	logger.info({ cycleId, units: doc.units.length, areas: doc.areas.length }, 'demo county loaded');
	return cycleId;
}
