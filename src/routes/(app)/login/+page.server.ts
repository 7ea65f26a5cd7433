import { fail, redirect } from '@sveltejs/kit';
import { db } from '$lib/server/db';
import { env, isHttps } from '$lib/server/env';
import { authenticate } from '$lib/server/auth/login';
import { createSession, invalidateSession, setSessionCookie } from '$lib/server/auth/session';
import { appendAudit } from '$lib/server/audit/audit-log';
import { clientAddress } from '$lib/server/http/client-address';
import { DomainError } from '$lib/server/errors';
import { loginSchema } from '$lib/schemas/user';
import type { Actions, PageServerLoad } from './$types';

/** Only same-site paths are followed after login (no open redirect). */
function safeNext(next: string | null): string | null {
	return next && next.startsWith('/') && !next.startsWith('//') && !next.startsWith('/\\')
		? next
		: null;
}

export const load: PageServerLoad = ({ locals, url }) => {
	if (locals.user) redirect(303, safeNext(url.searchParams.get('next')) ?? '/');
	return {};
};

export const actions: Actions = {
	default: async (event) => {
		const form = await event.request.formData();
		const parsed = loginSchema.safeParse({
			email: form.get('email'),
			password: form.get('password')
		});
		const email = String(form.get('email') ?? '').slice(0, 254);
		if (!parsed.success) {
			return fail(400, {
				email,
				errors: parsed.error.flatten().fieldErrors as Record<string, string[]>
			});
		}
		let userId: number;
		let userRole: string;
		let userEmail: string;
		try {
			const u = await authenticate(
				db(),
				parsed.data.email,
				parsed.data.password,
				clientAddress(event)
			);
			userId = u.id;
			userRole = u.role;
			userEmail = u.email;
		} catch (err) {
			if (err instanceof DomainError && err.status === 429) {
				return fail(429, { email, rateLimited: Math.ceil((err.retryAfter ?? 60) / 60) });
			}
			if (err instanceof DomainError && err.status === 401) {
				return fail(401, { email, failed: true });
			}
			throw err;
		}
		// A fresh session id on every sign-in: an id planted before login is never promoted.
		if (event.locals.session) await invalidateSession(db(), event.locals.session.id);
		const { token, session } = await createSession(db(), userId, env().SESSION_DAYS);
		setSessionCookie(event.cookies, token, session.expiresAt, isHttps());
		await appendAudit(
			db(),
			{ id: userId, label: userEmail },
			{
				action: 'auth.login',
				targetType: 'user',
				targetId: userId
			}
		);
		redirect(
			303,
			safeNext(event.url.searchParams.get('next')) ??
				(userRole === 'unit_liaison' ? '/unit' : '/admin')
		);
	}
};
