import { eq } from 'drizzle-orm';
import type { Db } from '../db/client';
import { cycle } from '../db/schema';
import { logger } from '../logger';
import { systemActor } from '../audit/audit-log';
import { cycleDocumentSchema } from '$lib/schemas/cycle-document';
import { importCycle } from '../cycles/cycle-document';
import { publishSurvey } from '../surveys/surveys';
import { loadAppSecret } from '../auth/app-secret';
import { addRosterEntries, issueCodes } from '../invitations/rosters';
import { demoCountyDocument, deputyRoster } from './demo-county';

/** Loads the demo county as an open cycle with its resident survey published. */
export async function seedDemoCounty(db: Db, year: number): Promise<number> {
	const doc = cycleDocumentSchema.parse(demoCountyDocument(year));
	const cycleId = await importCycle(db, systemActor, doc);
	await db.update(cycle).set({ status: 'open' }).where(eq(cycle.id, cycleId));
	await publishSurvey(db, systemActor, doc.surveys[0].slug);
	// The 60 deputies of the (draft) deputies survey, with codes issued. The codes are not printed:
	// nobody can see them again, so the office re-issues slips for the people it wants to try.
	await loadAppSecret(db);
	const deputies = `pingxi-${year}-deputies`;
	await addRosterEntries(db, systemActor, deputies, 'deputies', deputyRoster(), {
		source: 'demo'
	});
	const codes = await issueCodes(db, systemActor, deputies, { group: 'deputies' });
	logger.info(
		{ cycleId, units: doc.units.length, areas: doc.areas.length, deputies: codes.length },
		'demo county loaded'
	);
	return cycleId;
}
