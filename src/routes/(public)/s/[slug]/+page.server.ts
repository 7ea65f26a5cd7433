import { error, fail, redirect } from '@sveltejs/kit';
import { db } from '$lib/server/db';
import { isHttps } from '$lib/server/env';
import { consoleReaders } from '$lib/server/auth/guards';
import { loadSurveyView, surveyState } from '$lib/server/surveys/survey-view';
import { submitResponse } from '$lib/server/responses/submit-response';
import {
	deviceCookie,
	DEVICE_COOKIE,
	parseChannel,
	publicDefinition
} from '$lib/server/responses/respondent-page';
import {
	personalPlaceholders,
	surveyPageKey,
	viewFingerprint
} from '$lib/server/responses/survey-page-template';
import { responseFromForm } from '$lib/server/responses/form-input';
import { clientAddress } from '$lib/server/http/client-address';
import { DomainError, NotFoundError } from '$lib/server/errors';
import { responseInputSchema } from '$lib/schemas/response';
import { getLocale } from '$lib/paraglide/runtime';
import { requestPhoneCode } from '$lib/server/invitations/phone-verification';
import type { Actions, PageServerLoad } from './$types';

// Server-rendered and enhanced by one small script (static/survey.js): a hydrated SvelteKit page
// would cost ~39 KB of framework code, more than the whole page budget (DESIGN.md §5).
export const csr = false;

async function viewOrError(slug: string) {
	try {
		return await loadSurveyView(db(), slug);
	} catch (err) {
		if (err instanceof NotFoundError) error(404, 'survey_not_found');
		throw err;
	}
}

export const load: PageServerLoad = async ({ params, url, cookies, locals }) => {
	const view = await viewOrError(params.slug);
	const state = surveyState(view.survey);
	const preview =
		url.searchParams.get('preview') === '1' &&
		!!locals.user &&
		consoleReaders.includes(locals.user.role);
	if (!preview) {
		if (state === 'draft') error(404, 'survey_not_found');
		if (state === 'closed') error(410, 'survey_closed');
		if (state === 'not_yet_open') error(403, 'survey_not_open_yet');
	}
	deviceCookie(cookies, isHttps());
	const unitParam = url.searchParams.get('u');
	const firstUnit = unitParam && view.unitByCode.has(unitParam) ? unitParam : null;
	const locale = getLocale() === 'en' ? 'en' : 'zh';
	const channel = parseChannel(url.searchParams.get('c'), firstUnit);
	const invitationCode = url.searchParams.get('k')?.slice(0, 40) ?? '';
	// The personal values are filled in by the survey-page hook (survey-page-template.ts), which
	// keeps the plain public form as a template for later requests.
	locals.surveyPage = {
		key: surveyPageKey(view.survey.slug, getLocale(), firstUnit, channel),
		surveyId: view.survey.id,
		fingerprint: viewFingerprint(view),
		cacheable: !preview && !invitationCode
	};
	return {
		survey: publicDefinition(view, locale),
		categoryNames: Object.fromEntries(view.units.map((u) => [u.category, u.categoryName])),
		locale,
		preview,
		firstUnit,
		channel,
		invitationCode,
		submissionId: personalPlaceholders.submissionId,
		startToken: personalPlaceholders.startToken,
		challenge: personalPlaceholders.challenge
	};
};

export const actions: Actions = {
	default: async (event) => {
		const { params, request, cookies } = event;
		const data = await request.formData();
		const body = responseFromForm(data);
		const values = body as Record<string, unknown>;
		// "Send code" of the verified-phone pair without JavaScript: the whole form comes back with
		// every answer kept, and the SMS code goes out (static/phone-code.js does this by fetch).
		if (data.get('intent') === 'send_phone_code') {
			values.phone = String(data.get('phone') ?? '');
			try {
				await requestPhoneCode(db(), params.slug, values.phone as string, clientAddress(event));
			} catch (err) {
				if (!(err instanceof DomainError)) throw err;
				if (err.status === 404) error(404, 'survey_not_found');
				if (err.status === 410) error(410, 'survey_closed');
				const field = err.fields?.[0]?.message ?? err.message;
				return fail(err.status, {
					errors: { 'phoneVerification.phone': [field] },
					values,
					message: err.message
				});
			}
			return { values, phoneCodeSent: true };
		}
		const parsed = responseInputSchema.safeParse(body);
		if (!parsed.success) {
			const errors: Record<string, string[]> = {};
			for (const i of parsed.error.issues) {
				(errors[i.path.map(String).join('.')] ??= []).push(i.message);
			}
			return fail(400, { errors, values });
		}
		let result;
		try {
			result = await submitResponse(db(), params.slug, parsed.data, {
				now: new Date(),
				clientAddress: clientAddress(event),
				userAgent: request.headers.get('user-agent'),
				deviceCookie: cookies.get(DEVICE_COOKIE) ?? null,
				source: 'live'
			});
		} catch (err) {
			if (err instanceof DomainError) {
				if (err.status === 404) error(404, 'survey_not_found');
				if (err.status === 410) error(410, 'survey_closed');
				const errors: Record<string, string[]> = {};
				for (const f of err.fields ?? []) (errors[f.path] ??= []).push(f.message);
				return fail(err.status, { errors, values, message: err.message });
			}
			throw err;
		}
		redirect(303, `/s/${params.slug}/thanks?r=${encodeURIComponent(result.receipt)}`);
	}
};
