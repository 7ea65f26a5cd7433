/**
 * `npm run seed:demo [-- --year 2027]`: loads the demo county (平溪县) into the configured database
 * (DATABASE_URL, or the embedded PGlite in PGLITE_DIR). Stop the app first when using PGlite.
 */
import { eq } from 'drizzle-orm';
import { connectDatabase, closeDatabase } from '../src/lib/server/db';
import { loadAppSecret } from '../src/lib/server/auth/app-secret';
import { survey } from '../src/lib/server/db/schema';
import { seedDemoCounty } from '../src/lib/server/demo/seed-demo';

const args = process.argv.slice(2);
const year = args.includes('--year')
	? Number(args[args.indexOf('--year') + 1])
	: new Date().getFullYear();

async function main() {
	if (!Number.isInteger(year) || year < 2000 || year > 2100) {
		throw new Error('--year must be a year');
	}
	const handle = await connectDatabase();
	await loadAppSecret(handle.db);
	const [existing] = await handle.db
		.select()
		.from(survey)
		.where(eq(survey.slug, `pingxi-${year}`));
	if (existing) {
		console.log(`The demo county for ${year} is already loaded (cycle ${existing.cycleId}).`);
	} else {
		const cycleId = await seedDemoCounty(handle.db, year);
		console.log(`Demo county for ${year} loaded as cycle ${cycleId}.`);
	}
	await closeDatabase();
}

main().catch(async (err) => {
	console.error(err instanceof Error ? err.message : err);
	await closeDatabase();
	process.exit(1);
});
