import { asc, eq } from 'drizzle-orm';
import type { DbOrTx } from '../db/client';
import { user, type User } from '../db/schema';
import { appendAudit, type Actor } from '../audit/audit-log';
import { ConflictError, NotFoundError, UnauthorizedError, ValidationError } from '../errors';
import { generatePassword, hashPassword, verifyPassword } from '../auth/password';
import { invalidateUserSessions } from '../auth/session';
import type { CreateUserInput, UpdateUserInput } from '$lib/schemas/user';

export type PublicUser = Omit<User, 'passwordHash'>;

function publicUser({ passwordHash: _p, ...u }: User): PublicUser {
	void _p;
	return u;
}

export async function listUsers(db: DbOrTx): Promise<PublicUser[]> {
	const rows = await db.select().from(user).orderBy(asc(user.id));
	return rows.map(publicUser);
}

export async function getUser(db: DbOrTx, id: number): Promise<PublicUser> {
	if (!Number.isSafeInteger(id)) throw new NotFoundError('user_not_found');
	const [row] = await db.select().from(user).where(eq(user.id, id));
	if (!row) throw new NotFoundError('user_not_found');
	return publicUser(row);
}

/** Creates an account; without a password a one-time one is generated and returned once. */
export async function createUser(
	db: DbOrTx,
	actor: Actor,
	input: CreateUserInput
): Promise<{ id: number; oneTimePassword?: string }> {
	const oneTime = input.password ? undefined : generatePassword();
	const [row] = await db
		.insert(user)
		.values({
			email: input.email,
			name: input.name,
			role: input.role,
			unitCode: input.role === 'unit_liaison' ? (input.unitCode ?? null) : null,
			passwordHash: await hashPassword(input.password ?? oneTime!),
			mustChangePassword: !!oneTime
		})
		.onConflictDoNothing()
		.returning({ id: user.id });
	if (!row) throw new ConflictError('email_taken', [{ path: 'email', message: 'email_taken' }]);
	await appendAudit(db, actor, {
		action: 'user.create',
		targetType: 'user',
		targetId: row.id,
		detail: { email: input.email, role: input.role, unitCode: input.unitCode ?? null }
	});
	return { id: row.id, oneTimePassword: oneTime };
}

export async function updateUser(
	db: DbOrTx,
	actor: Actor,
	id: number,
	input: UpdateUserInput
): Promise<PublicUser> {
	const before = await getUser(db, id);
	const role = input.role ?? before.role;
	const unitCode = input.unitCode === undefined ? before.unitCode : input.unitCode;
	if (role === 'unit_liaison' && !unitCode) {
		throw new ValidationError('unit_required_for_liaison', [
			{ path: 'unitCode', message: 'unit_required_for_liaison' }
		]);
	}
	if (
		actor.id === id &&
		(input.disabled || (input.role && input.role !== 'admin' && before.role === 'admin'))
	) {
		throw new ValidationError('cannot_demote_self', [
			{ path: 'role', message: 'cannot_demote_self' }
		]);
	}
	const [row] = await db
		.update(user)
		.set({
			name: input.name ?? before.name,
			role,
			unitCode: role === 'unit_liaison' ? unitCode : null,
			disabledAt:
				input.disabled === undefined ? before.disabledAt : input.disabled ? new Date() : null,
			...(input.password
				? { passwordHash: await hashPassword(input.password), mustChangePassword: true }
				: {})
		})
		.where(eq(user.id, id))
		.returning();
	// A role change, a reset password or disabling must take effect now, not when sessions expire.
	if (input.role !== undefined || input.password || input.disabled) {
		await invalidateUserSessions(db, id);
	}
	await appendAudit(db, actor, {
		action: 'user.update',
		targetType: 'user',
		targetId: id,
		detail: {
			before: { role: before.role, unitCode: before.unitCode, disabled: !!before.disabledAt },
			after: { role: row.role, unitCode: row.unitCode, disabled: !!row.disabledAt },
			passwordReset: !!input.password
		}
	});
	return publicUser(row);
}

export async function deleteUser(db: DbOrTx, actor: Actor, id: number): Promise<void> {
	if (actor.id === id) {
		throw new ValidationError('cannot_delete_self', [
			{ path: 'id', message: 'cannot_delete_self' }
		]);
	}
	const rows = await db.delete(user).where(eq(user.id, id)).returning({ email: user.email });
	if (!rows.length) throw new NotFoundError('user_not_found');
	await appendAudit(db, actor, {
		action: 'user.delete',
		targetType: 'user',
		targetId: id,
		detail: { email: rows[0].email }
	});
}

/** Changing one's password signs out every other session of that user. */
export async function changePassword(
	db: DbOrTx,
	userId: number,
	current: string,
	next: string,
	keepSessionId: string
): Promise<void> {
	const [row] = await db.select().from(user).where(eq(user.id, userId));
	if (!row || !(await verifyPassword(row.passwordHash, current))) {
		throw new UnauthorizedError('wrong_current_password');
	}
	await db
		.update(user)
		.set({ passwordHash: await hashPassword(next), mustChangePassword: false })
		.where(eq(user.id, userId));
	await invalidateUserSessions(db, userId, keepSessionId);
	await appendAudit(
		db,
		{ id: userId, label: row.email },
		{
			action: 'user.change_password',
			targetType: 'user',
			targetId: userId
		}
	);
}
