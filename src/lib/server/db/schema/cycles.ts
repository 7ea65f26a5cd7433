import {
	integer,
	jsonb,
	pgEnum,
	pgTable,
	real,
	text,
	timestamp,
	unique,
	index,
	type AnyPgColumn
} from 'drizzle-orm/pg-core';
import type { CycleConfig } from '$lib/schemas/cycle-config';

export const cycleStatusEnum = pgEnum('cycle_status', ['draft', 'open', 'closed']);
export const pointsModeEnum = pgEnum('points_mode', [
	'proportional',
	'category_relative',
	'rank_step'
]);
export const identityEnum = pgEnum('identity', ['link', 'invitation', 'phone']);

export const cycle = pgTable('cycles', {
	id: integer('id').primaryKey().generatedAlwaysAsIdentity(),
	name: text('name').notNull(),
	year: integer('year').notNull(),
	status: cycleStatusEnum('status').notNull().default('draft'),
	fullPoints: real('full_points').notNull().default(10),
	pointsMode: pointsModeEnum('points_mode').notNull().default('proportional'),
	config: jsonb('config').$type<CycleConfig>().notNull(),
	configVersion: integer('config_version').notNull().default(1),
	copiedFromId: integer('copied_from_id'),
	createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
	closedAt: timestamp('closed_at', { withTimezone: true })
});

export const category = pgTable(
	'categories',
	{
		id: integer('id').primaryKey().generatedAlwaysAsIdentity(),
		cycleId: integer('cycle_id')
			.notNull()
			.references(() => cycle.id, { onDelete: 'cascade' }),
		code: text('code').notNull(),
		name: text('name').notNull(),
		/** group code → weight; weights sum to 1 (checked by the schema, not the database). */
		weights: jsonb('weights').$type<Record<string, number>>().notNull(),
		sort: integer('sort').notNull().default(0)
	},
	(t) => [unique('categories_cycle_code').on(t.cycleId, t.code)]
);

export const group = pgTable(
	'groups',
	{
		id: integer('id').primaryKey().generatedAlwaysAsIdentity(),
		cycleId: integer('cycle_id')
			.notNull()
			.references(() => cycle.id, { onDelete: 'cascade' }),
		code: text('code').notNull(),
		label: text('label').notNull(),
		identity: identityEnum('identity').notNull().default('link'),
		minValid: integer('min_valid').notNull().default(30),
		subgroups: jsonb('subgroups').$type<{ code: string; label: string }[]>().notNull().default([]),
		sort: integer('sort').notNull().default(0)
	},
	(t) => [unique('groups_cycle_code').on(t.cycleId, t.code)]
);

export const area = pgTable(
	'areas',
	{
		id: integer('id').primaryKey().generatedAlwaysAsIdentity(),
		cycleId: integer('cycle_id')
			.notNull()
			.references(() => cycle.id, { onDelete: 'cascade' }),
		code: text('code').notNull(),
		name: text('name').notNull(),
		parentId: integer('parent_id').references((): AnyPgColumn => area.id, {
			onDelete: 'restrict'
		}),
		population: integer('population').notNull().default(0),
		sort: integer('sort').notNull().default(0)
	},
	(t) => [
		unique('areas_cycle_code').on(t.cycleId, t.code),
		index('areas_parent_idx').on(t.parentId)
	]
);

export const unit = pgTable(
	'units',
	{
		id: integer('id').primaryKey().generatedAlwaysAsIdentity(),
		cycleId: integer('cycle_id')
			.notNull()
			.references(() => cycle.id, { onDelete: 'cascade' }),
		code: text('code').notNull(),
		name: text('name').notNull(),
		categoryId: integer('category_id')
			.notNull()
			.references(() => category.id, { onDelete: 'restrict' }),
		/** A township's or street's own area (its villages post-stratify its residents). */
		areaId: integer('area_id').references(() => area.id, { onDelete: 'set null' }),
		sort: integer('sort').notNull().default(0)
	},
	(t) => [
		unique('units_cycle_code').on(t.cycleId, t.code),
		index('units_category_idx').on(t.categoryId)
	]
);

export type Cycle = typeof cycle.$inferSelect;
export type Category = typeof category.$inferSelect;
export type Group = typeof group.$inferSelect;
export type Area = typeof area.$inferSelect;
export type Unit = typeof unit.$inferSelect;
