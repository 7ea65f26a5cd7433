import type { SessionInfo, SessionUser } from '$lib/server/auth/session';
import type { SurveyPageRender } from '$lib/server/responses/survey-page-template';

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
			/** Set by the public survey page's load; its personal values are filled in by a hook. */
			surveyPage?: SurveyPageRender;
		}
	}
}

export {};
