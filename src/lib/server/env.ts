import { z } from 'zod';

/**
 * Every environment variable Pingyi reads, validated once. Nothing else in the app reads process.env,
 * so this file is the configuration reference (README's table is generated from the same list by hand).
 */
const schema = z
	.object({
		NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
		DATABASE_URL: z
			.string()
			.regex(/^postgres(ql)?:\/\//, 'DATABASE_URL must start with postgres:// or postgresql://')
			.optional(),
		DATABASE_POOL_SIZE: z.coerce.number().int().min(1).max(200).default(10),
		/** Directory of the embedded PGlite database, or "memory://" for a throwaway one. */
		PGLITE_DIR: z.string().default('./data/pgdata'),
		/** Secret for HMAC of start tokens and keyed hashes; generated and stored in the database if unset. */
		APP_SECRET: z.string().min(32, 'APP_SECRET must be at least 32 characters').optional(),
		ADMIN_EMAIL: z.email().optional(),
		ADMIN_PASSWORD: z.string().min(10, 'ADMIN_PASSWORD must be at least 10 characters').optional(),
		/** Load the demo county into an empty database on first start ("false" to start empty). */
		SEED_DEMO: z
			.enum(['true', 'false'])
			.default('true')
			.transform((v) => v === 'true'),
		/** Public URL (adapter-node checks form posts against it); https enables Secure cookies and HSTS. */
		ORIGIN: z.url().optional(),
		LOG_LEVEL: z
			.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'])
			.default('info'),
		SESSION_DAYS: z.coerce.number().int().min(1).max(90).default(7),
		LOGIN_MAX_ATTEMPTS: z.coerce.number().int().min(1).default(5),
		LOGIN_WINDOW_MINUTES: z.coerce.number().int().min(1).default(15),
		/** CSV of network facts (cidr,asn,asn_type,carrier,province,city,scope); unset: bundled cloud list. */
		NETWORK_TABLE: z.string().min(1).optional(),
		/** Directory for rectification evidence files (整改佐证); unset: stored in the database. */
		EVIDENCE_DIR: z.string().min(1).optional(),
		/** Largest evidence file accepted, in bytes (adapter-node's BODY_SIZE_LIMIT must allow it). */
		EVIDENCE_MAX_BYTES: z.coerce
			.number()
			.int()
			.min(1024)
			.max(100 * 1024 * 1024)
			.default(10 * 1024 * 1024),
		/** How SMS go out (invitation links, reminders, phone codes): `log` writes them to the log, without the number. */
		SMS_PROVIDER: z.enum(['log', 'http']).default('log'),
		/** `http` provider: JSON `{to, text, ref}` is POSTed here (docs/sms.md). */
		SMS_HTTP_URL: z.url().optional(),
		/** `http` provider: sent as `Authorization: Bearer …`. */
		SMS_HTTP_TOKEN: z.string().min(1).optional()
	})
	.superRefine((e, ctx) => {
		if (e.SMS_PROVIDER === 'http' && !e.SMS_HTTP_URL) {
			ctx.addIssue({
				code: 'custom',
				path: ['SMS_HTTP_URL'],
				message: 'SMS_HTTP_URL is required when SMS_PROVIDER=http'
			});
		}
	});

export type Env = z.infer<typeof schema>;

let cached: Env | undefined;

export function env(): Env {
	if (!cached) {
		const parsed = schema.safeParse(process.env);
		if (!parsed.success) {
			const lines = parsed.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`);
			throw new Error(`Invalid configuration:\n${lines.join('\n')}`);
		}
		cached = parsed.data;
	}
	return cached;
}

/** Cookies are Secure and HSTS is sent whenever the public URL is HTTPS. */
export function isHttps(): boolean {
	return env().ORIGIN?.startsWith('https://') ?? false;
}

/** Tests change the environment between files; this forgets the parsed copy. */
export function resetEnvCache(): void {
	cached = undefined;
}
