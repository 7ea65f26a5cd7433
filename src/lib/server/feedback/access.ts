import type { Role } from '../db/schema';
import { ForbiddenError, NotFoundError } from '../errors';
import type { FeedbackRole } from '$lib/feedback/rectification';

/** Who is asking, as far as feedback scoping goes (a session user or a token's owner). */
export interface FeedbackUser {
	id: number;
	email: string;
	role: Role;
	unitCode: string | null;
}

/**
 * The scope rule of the unit portal and its API: the office (admin) sees every unit, a unit liaison
 * only their own; anything else of another unit answers exactly like something that does not exist
 * (404, same body), so ids and codes of other units cannot be probed. Other roles are refused.
 */
export function assertUnitScope(user: FeedbackUser, unitCode: string): FeedbackRole {
	if (user.role === 'admin') return 'admin';
	if (user.role === 'unit_liaison') {
		if (!user.unitCode || user.unitCode !== unitCode) throw new NotFoundError('not_found');
		return 'unit_liaison';
	}
	throw new ForbiddenError('forbidden');
}

/** The unit a portal request is about: a liaison's own, or the one an admin names. */
export function portalUnitCode(user: FeedbackUser, requested: string | null | undefined): string {
	if (user.role === 'unit_liaison') {
		if (!user.unitCode) throw new NotFoundError('not_found');
		if (requested && requested !== user.unitCode) throw new NotFoundError('not_found');
		return user.unitCode;
	}
	if (user.role !== 'admin') throw new ForbiddenError('forbidden');
	if (!requested) throw new NotFoundError('unit_required');
	return requested;
}

export function feedbackRole(user: FeedbackUser): FeedbackRole {
	if (user.role === 'admin') return 'admin';
	if (user.role === 'unit_liaison') return 'unit_liaison';
	throw new ForbiddenError('forbidden');
}
