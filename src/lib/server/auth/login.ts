import { eq } from 'drizzle-orm';
import type { DbOrTx } from '../db/client';
import { user, type User } from '../db/schema';
import { env } from '../env';
import { appendAudit } from '../audit/audit-log';
import { TooManyRequestsError, UnauthorizedError } from '../errors';
import { keyedHash } from './app-secret';
import { dummyPasswordHash, verifyPassword } from './password';
import { hitRateLimit } from './rate-limit';

/**
 * Checks a password with limits per account and per client address (both keyed hashes), shared by
 * every process through the database. A locked-out caller gets 429 before the password is checked,
 * so guessing cannot continue, and the message is the same whether or not the account exists.
 */
export async function authenticate(
	db: DbOrTx,
	email: string,
	password: string,
	clientAddress: string,
	now = new Date()
): Promise<User> {
	const e = env();
	const windowSeconds = e.LOGIN_WINDOW_MINUTES * 60;
	const normalized = email.trim().toLowerCase();
	const accountKey = keyedHash('login-account', normalized);
	const addressKey = keyedHash('login-address', clientAddress);
	const perAccount = await hitRateLimit(
		db,
		'login-account',
		accountKey,
		e.LOGIN_MAX_ATTEMPTS,
		windowSeconds,
		now
	);
	// An address behind carrier-grade NAT carries many people; allow it several accounts' worth.
	const perAddress = await hitRateLimit(
		db,
		'login-address',
		addressKey,
		e.LOGIN_MAX_ATTEMPTS * 4,
		windowSeconds,
		now
	);
	if (!perAccount.allowed || !perAddress.allowed) {
		await appendAudit(
			db,
			{ id: null, label: normalized },
			{
				action: 'auth.login_rate_limited',
				targetType: 'user',
				targetId: null,
				detail: { scope: !perAccount.allowed ? 'account' : 'address' }
			}
		);
		throw new TooManyRequestsError(
			'too_many_attempts',
			Math.max(
				perAccount.allowed ? 0 : perAccount.retryAfter,
				perAddress.allowed ? 0 : perAddress.retryAfter
			)
		);
	}
	const [found] = await db.select().from(user).where(eq(user.email, normalized)).limit(1);
	const ok = found
		? await verifyPassword(found.passwordHash, password)
		: (await verifyPassword(await dummyPasswordHash(), password), false);
	if (!found || !ok || found.disabledAt) {
		await appendAudit(
			db,
			{ id: found?.id ?? null, label: normalized },
			{
				action: 'auth.login_failed',
				targetType: 'user',
				targetId: found?.id ?? null,
				detail: {
					reason: !found ? 'unknown_user' : found.disabledAt ? 'disabled' : 'wrong_password'
				}
			}
		);
		throw new UnauthorizedError('invalid_credentials');
	}
	return found;
}
