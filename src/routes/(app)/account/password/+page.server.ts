import { fail } from '@sveltejs/kit';
import { db } from '$lib/server/db';
import { requireUser } from '$lib/server/auth/guards';
import { changePassword } from '$lib/server/users/users';
import { DomainError } from '$lib/server/errors';
import { changePasswordSchema } from '$lib/schemas/user';
import type { Actions, PageServerLoad } from './$types';

export const load: PageServerLoad = ({ locals }) => {
	const u = requireUser(locals);
	return { mustChange: u.mustChangePassword };
};

export const actions: Actions = {
	default: async ({ locals, request }) => {
		const u = requireUser(locals);
		const form = await request.formData();
		const parsed = changePasswordSchema.safeParse({
			current: form.get('current'),
			next: form.get('next'),
			confirm: form.get('confirm')
		});
		if (!parsed.success) {
			return fail(400, { errors: parsed.error.flatten().fieldErrors as Record<string, string[]> });
		}
		try {
			await changePassword(
				db(),
				u.id,
				parsed.data.current,
				parsed.data.next,
				locals.session?.id ?? ''
			);
		} catch (err) {
			if (err instanceof DomainError && err.status === 401) {
				return fail(400, { errors: { current: ['wrong_current_password'] } });
			}
			throw err;
		}
		return { changed: true };
	}
};
