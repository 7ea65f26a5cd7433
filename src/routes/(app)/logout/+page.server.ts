import { redirect } from '@sveltejs/kit';
import { db } from '$lib/server/db';
import { isHttps } from '$lib/server/env';
import { deleteSessionCookie, invalidateSession } from '$lib/server/auth/session';
import type { Actions, PageServerLoad } from './$types';

export const load: PageServerLoad = () => redirect(303, '/');

export const actions: Actions = {
	default: async ({ locals, cookies }) => {
		if (locals.session) await invalidateSession(db(), locals.session.id);
		deleteSessionCookie(cookies, isHttps());
		redirect(303, '/login');
	}
};
