import { z } from 'zod';
import { responseInputSchema } from './response';
import { normalisePhone } from '$lib/phone';

/** An IPv4 or IPv6 address (client-safe: no node:net here). */
export function isIpAddress(s: string): boolean {
	const v4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(s);
	if (v4) return v4.slice(1).every((o) => Number(o) <= 255 && String(Number(o)) === o);
	if (!s.includes(':') || !/^[0-9a-fA-F:.]+$/.test(s)) return false;
	try {
		return new URL(`http://[${s}]/`).hostname.length > 2;
	} catch {
		return false;
	}
}

/**
 * One line of `POST /api/v1/surveys/{slug}/responses/import` (NDJSON, DESIGN.md §12): a paper or
 * historical submission with its own times. The answers have the public submission's shape and are
 * validated against the survey by the same function; the address and identities are hashed on
 * arrival and never stored.
 */
export const importLineSchema = responseInputSchema
	.omit({ startToken: true, altcha: true, website: true, invitationCode: true })
	.extend({
		receivedAt: z.iso.datetime({ offset: true, error: 'invalid_datetime' }),
		startedAt: z.iso.datetime({ offset: true, error: 'invalid_datetime' }).optional(),
		source: z.enum(['paper', 'external']),
		network: z
			.object({
				ip: z.string().max(64).refine(isIpAddress, { error: 'invalid_ip' })
			})
			.strict()
			.optional(),
		userAgent: z.string().max(1000).optional(),
		identity: z
			.object({
				deviceCookie: z.string().min(1).max(200).optional(),
				phone: z
					.string()
					.max(40)
					.refine((p) => normalisePhone(p) !== null, { error: 'invalid_phone' })
					.optional(),
				openid: z.string().min(1).max(200).optional()
			})
			.strict()
			.optional()
	})
	.superRefine((l, ctx) => {
		if (l.startedAt && Date.parse(l.startedAt) > Date.parse(l.receivedAt)) {
			ctx.addIssue({ code: 'custom', path: ['startedAt'], message: 'started_after_received' });
		}
	});
export type ImportLine = z.infer<typeof importLineSchema>;
