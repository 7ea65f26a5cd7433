import { fail } from '@sveltejs/kit';
import { db } from '$lib/server/db';
import { actorOf, requireUser } from '$lib/server/auth/guards';
import { createApiToken, listApiTokens, revokeApiToken } from '$lib/server/auth/api-tokens';
import { appendAudit } from '$lib/server/audit/audit-log';
import { tokenNameSchema } from '$lib/schemas/user';
import type { Actions, PageServerLoad } from './$types';

export const load: PageServerLoad = async ({ locals }) => {
	const u = requireUser(locals);
	// Admins see every token so they can revoke a leaked one; others see their own.
	return {
		tokens: await listApiTokens(db(), u.role === 'admin' ? undefined : u.id),
		isAdmin: u.role === 'admin'
	};
};

export const actions: Actions = {
	create: async ({ locals, request }) => {
		const u = requireUser(locals);
		const parsed = tokenNameSchema.safeParse({ name: (await request.formData()).get('name') });
		if (!parsed.success) {
			return fail(400, { errors: parsed.error.flatten().fieldErrors as Record<string, string[]> });
		}
		const { id, token } = await createApiToken(db(), u.id, parsed.data.name);
		await appendAudit(db(), actorOf(u), {
			action: 'token.create',
			targetType: 'api_token',
			targetId: id,
			detail: { name: parsed.data.name }
		});
		return { token };
	},
	revoke: async ({ locals, request }) => {
		const u = requireUser(locals);
		const id = String((await request.formData()).get('id') ?? '');
		const ok = await revokeApiToken(db(), id, u.role === 'admin' ? undefined : u.id);
		if (!ok) return fail(404, { errors: { id: ['not_found'] } });
		await appendAudit(db(), actorOf(u), {
			action: 'token.revoke',
			targetType: 'api_token',
			targetId: id
		});
		return { revoked: true };
	}
};
