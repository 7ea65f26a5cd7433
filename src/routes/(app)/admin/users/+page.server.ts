import { db } from '$lib/server/db';
import { actorOf, requireRole } from '$lib/server/auth/guards';
import { createUser, listUsers, updateUser } from '$lib/server/users/users';
import { domainFailure, formValues, zodFailure } from '$lib/server/http/form-failure';
import { createUserSchema, updateUserSchema } from '$lib/schemas/user';
import type { Actions, PageServerLoad } from './$types';

export const load: PageServerLoad = async ({ locals }) => {
	const u = requireRole(locals, 'admin');
	return { users: await listUsers(db()), me: u.id };
};

export const actions: Actions = {
	create: async ({ locals, request }) => {
		const u = requireRole(locals, 'admin');
		const values = formValues(await request.formData());
		const parsed = createUserSchema.safeParse(values);
		const { password: _pw, ...safeValues } = values;
		void _pw;
		if (!parsed.success) return zodFailure(parsed.error, safeValues, 'create');
		try {
			const r = await createUser(db(), actorOf(u), parsed.data);
			return { created: true, oneTimePassword: r.oneTimePassword ?? null };
		} catch (err) {
			return domainFailure(err, safeValues, 'create');
		}
	},
	update: async ({ locals, request }) => {
		const u = requireRole(locals, 'admin');
		const values = formValues(await request.formData());
		const id = Number(values.id);
		const parsed = updateUserSchema.safeParse({
			role: values.role || undefined,
			unitCode: values.role === 'unit_liaison' ? values.unitCode || null : null,
			disabled: values.disabled === undefined ? undefined : values.disabled === 'true',
			password: values.password || undefined
		});
		if (!parsed.success) return zodFailure(parsed.error, undefined, `user-${id}`);
		try {
			await updateUser(db(), actorOf(u), id, parsed.data);
		} catch (err) {
			return domainFailure(err, undefined, `user-${id}`);
		}
		return { saved: true };
	}
};
