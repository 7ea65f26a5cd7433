import {
	boolean,
	customType,
	index,
	integer,
	pgEnum,
	pgTable,
	primaryKey,
	text,
	timestamp
} from 'drizzle-orm/pg-core';

export const bytea = customType<{ data: Uint8Array; driverData: Uint8Array }>({
	dataType: () => 'bytea'
});

export const roleEnum = pgEnum('role', ['admin', 'reviewer', 'unit_liaison', 'viewer']);
export type Role = (typeof roleEnum.enumValues)[number];

export const user = pgTable('users', {
	id: integer('id').primaryKey().generatedAlwaysAsIdentity(),
	email: text('email').notNull().unique(),
	name: text('name').notNull(),
	role: roleEnum('role').notNull(),
	/** Unit liaisons are scoped by unit code, which stays stable from one cycle to the next. */
	unitCode: text('unit_code'),
	passwordHash: text('password_hash').notNull(),
	mustChangePassword: boolean('must_change_password').notNull().default(false),
	disabledAt: timestamp('disabled_at', { withTimezone: true }),
	createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow()
});

export const session = pgTable(
	'sessions',
	{
		id: text('id').primaryKey(),
		secretHash: bytea('secret_hash').notNull(),
		userId: integer('user_id')
			.notNull()
			.references(() => user.id, { onDelete: 'cascade' }),
		createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
		expiresAt: timestamp('expires_at', { withTimezone: true }).notNull()
	},
	(t) => [index('sessions_user_idx').on(t.userId)]
);

export const apiToken = pgTable(
	'api_tokens',
	{
		id: text('id').primaryKey(),
		secretHash: bytea('secret_hash').notNull(),
		userId: integer('user_id')
			.notNull()
			.references(() => user.id, { onDelete: 'cascade' }),
		name: text('name').notNull(),
		createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
		lastUsedAt: timestamp('last_used_at', { withTimezone: true }),
		revokedAt: timestamp('revoked_at', { withTimezone: true })
	},
	(t) => [index('api_tokens_user_idx').on(t.userId)]
);

/**
 * Fixed-window counters shared by every app process (login attempts, code guesses, SMS sends).
 * Keys never hold a raw address or phone: callers pass keyed hashes.
 */
export const rateLimitHit = pgTable(
	'rate_limit_hits',
	{
		bucket: text('bucket').notNull(),
		key: text('key').notNull(),
		windowStart: timestamp('window_start', { withTimezone: true }).notNull(),
		count: integer('count').notNull().default(0)
	},
	(t) => [primaryKey({ columns: [t.bucket, t.key, t.windowStart] })]
);

/** Secrets the app generates for itself on first start (HMAC keys) when none is configured. */
export const appSecret = pgTable('app_secrets', {
	name: text('name').primaryKey(),
	value: bytea('value').notNull(),
	createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow()
});

export type User = typeof user.$inferSelect;
export type Session = typeof session.$inferSelect;
