import type { SessionInfo, SessionUser } from '$lib/server/auth/session';

declare global {
	namespace App {
		interface Error {
			message: string;
			id?: string;
		}
		interface Locals {
			requestId: string;
			user: SessionUser | null;
			session: SessionInfo | null;
			/** How the caller authenticated: a browser session cookie or an API token. */
			authVia: 'session' | 'token' | null;
		}
	}
}

export {};
