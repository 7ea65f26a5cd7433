import { count } from 'drizzle-orm';
import type { Db } from './db/client';
import { cycle, user } from './db/schema';
import { env } from './env';
import { logger } from './logger';
import { systemActor } from './audit/audit-log';
import { createUser } from './users/users';
import { seedDemoCounty } from './demo/seed-demo';

/**
 * First start: an admin from ADMIN_EMAIL/ADMIN_PASSWORD, or a generated one-time password printed
 * once to the console; then, on an empty database, the demo county.
 */
export async function bootstrap(db: Db): Promise<void> {
	const e = env();
	const [{ n: users }] = await db.select({ n: count() }).from(user);
	const [{ n: cycles }] = await db.select({ n: count() }).from(cycle);
	if (users === 0) {
		const email = e.ADMIN_EMAIL ?? 'admin@pingyi.local';
		const { oneTimePassword } = await createUser(db, systemActor, {
			email,
			name: '系统管理员',
			role: 'admin',
			password: e.ADMIN_PASSWORD
		});
		if (oneTimePassword) {
			// Printed once, on purpose, to the console: the person starting the server needs it to sign in.
			process.stdout.write(
				`\n  Pingyi: first administrator created\n    email:    ${email}\n    password: ${oneTimePassword}  (one-time; you will be asked to change it)\n\n`
			);
		}
		logger.info({ email }, 'first administrator created');
	}
	if (users === 0 && cycles === 0 && e.SEED_DEMO) {
		await seedDemoCounty(db, new Date().getFullYear());
	}
}
