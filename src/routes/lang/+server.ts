import { redirect } from '@sveltejs/kit';
import { cookieMaxAge, cookieName, isLocale } from '$lib/paraglide/runtime';
import type { RequestHandler } from './$types';

/** Switches the interface language with a plain link (works without JavaScript). */
export const GET: RequestHandler = ({ url, cookies }) => {
	const to = url.searchParams.get('to') ?? '';
	const next = url.searchParams.get('next') ?? '/';
	if (isLocale(to)) {
		cookies.set(cookieName, to, {
			path: '/',
			maxAge: cookieMaxAge,
			httpOnly: false,
			sameSite: 'lax'
		});
	}
	redirect(
		303,
		next.startsWith('/') && !next.startsWith('//') && !next.startsWith('/\\') ? next : '/'
	);
};
