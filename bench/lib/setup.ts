import postgres from 'postgres';

export const PG_ADMIN_URL = process.env.BENCH_PG_URL ?? 'postgres://root@127.0.0.1:5432/postgres';

export function dbUrl(name: string): string {
	const u = new URL(PG_ADMIN_URL);
	u.pathname = `/${name}`;
	return u.toString();
}

export async function recreateDatabase(name: string): Promise<string> {
	const admin = postgres(PG_ADMIN_URL, { max: 1, onnotice: () => {} });
	await admin.unsafe(`drop database if exists ${name} with (force)`);
	await admin.unsafe(`create database ${name}`);
	await admin.end();
	return dbUrl(name);
}

export async function databaseExists(name: string): Promise<boolean> {
	const admin = postgres(PG_ADMIN_URL, { max: 1, onnotice: () => {} });
	const rows = await admin`select 1 from pg_database where datname = ${name}`;
	await admin.end();
	return rows.length > 0;
}

/** A 30-unit county cycle with one published public survey, created through the real API. */
export async function seedSurvey(baseUrl: string, email: string, password: string, slug: string) {
	const tokenRes = await fetch(`${baseUrl}/api/v1/auth/tokens`, {
		method: 'POST',
		headers: { 'content-type': 'application/json' },
		body: JSON.stringify({ email, password, name: 'bench' })
	});
	const { token } = (await tokenRes.json()) as { token: string };
	const auth = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };
	const units = Array.from({ length: 30 }, (_, i) => `U${String(i + 1).padStart(2, '0')}`);
	const doc = {
		cycle: { name: 'bench', year: 2030 },
		groups: [
			{ code: 'residents', label: '群众' },
			{ code: 'service_recipients', label: '服务对象' }
		],
		categories: [{ code: 'k', name: '乡镇', weights: { residents: 0.5, service_recipients: 0.5 } }],
		areas: [
			{ code: 'A1', name: '甲镇', population: 5000 },
			{ code: 'A1-01', name: '甲村', parent: 'A1', population: 5000 }
		],
		units: units.map((code, i) => ({ code, name: `单位${i + 1}`, category: 'k' })),
		surveys: [
			{
				slug,
				title: '基准测试问卷',
				groups: ['residents', 'service_recipients'],
				units: 'all',
				scale: 'ceping4',
				questions: [
					{
						id: 'attention',
						type: 'instructed',
						text: '本题请选择“基本满意”',
						required: true,
						options: [
							{ code: 'satisfied', label: '满意' },
							{ code: 'basic', label: '基本满意' }
						],
						expected: 'basic'
					}
				]
			}
		]
	};
	const imported = await fetch(`${baseUrl}/api/v1/cycles/import`, {
		method: 'POST',
		headers: auth,
		body: JSON.stringify(doc)
	});
	if (imported.status !== 201) {
		throw new Error(`import: ${imported.status} ${await imported.text()}`);
	}
	const { cycleId } = (await imported.json()) as { cycleId: number };
	const pub = await fetch(`${baseUrl}/api/v1/surveys/${slug}/publish`, {
		method: 'POST',
		headers: auth
	});
	if (pub.status !== 200) throw new Error(`publish: ${pub.status}`);
	return { token, cycleId, units };
}
