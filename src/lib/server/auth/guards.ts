import { error } from '@sveltejs/kit';
import type { Role } from '../db/schema';
import type { Actor } from '../audit/audit-log';
import type { SessionUser } from './session';

interface AuthLocals {
	user: SessionUser | null;
}

/**
 * Every load, action and API handler calls one of these itself; the hook's path guard is only a
 * first line (layouts do not run for actions or endpoints).
 */
export function requireUser(locals: AuthLocals): SessionUser {
	if (!locals.user) error(401, 'sign_in_required');
	return locals.user;
}

export function requireRole(locals: AuthLocals, ...roles: Role[]): SessionUser {
	const u = requireUser(locals);
	if (!roles.includes(u.role)) error(403, 'forbidden');
	return u;
}

/** Roles that may read the office console (scores, configuration, audit). */
export const consoleReaders: Role[] = ['admin', 'viewer', 'reviewer'];

export function actorOf(u: SessionUser): Actor {
	return { id: u.id, label: u.email };
}

/** A unit liaison may see only their own unit; office roles may see all. */
export function requireUnitAccess(locals: AuthLocals, unitCode: string): SessionUser {
	const u = requireUser(locals);
	if (u.role === 'unit_liaison' && u.unitCode !== unitCode) error(404, 'not_found');
	if (u.role === 'reviewer') error(403, 'forbidden');
	return u;
}
