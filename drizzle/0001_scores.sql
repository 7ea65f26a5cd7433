CREATE TYPE "public"."score_exclusions" AS ENUM('applied', 'none');--> statement-breakpoint
CREATE TYPE "public"."score_snapshot_status" AS ENUM('live', 'published');--> statement-breakpoint
CREATE TABLE "rating_rollups" (
	"cycle_id" integer NOT NULL,
	"unit_id" integer NOT NULL,
	"group_id" integer NOT NULL,
	"area_id" integer NOT NULL,
	"value" smallint NOT NULL,
	"day" date NOT NULL,
	"status" smallint NOT NULL,
	"n" integer NOT NULL,
	"sum_w" double precision NOT NULL,
	"sum_w2" double precision NOT NULL,
	CONSTRAINT "rating_rollups_pk" PRIMARY KEY("cycle_id","unit_id","group_id","area_id","value","day","status")
);
--> statement-breakpoint
CREATE TABLE "rating_rollup_states" (
	"cycle_id" integer PRIMARY KEY NOT NULL,
	"refreshed_at" timestamp with time zone NOT NULL,
	"submissions" bigint NOT NULL,
	"max_submission_id" bigint NOT NULL,
	"stale" boolean DEFAULT false NOT NULL
);
--> statement-breakpoint
CREATE TABLE "score_snapshots" (
	"id" integer PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "score_snapshots_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 2147483647 START WITH 1 CACHE 1),
	"cycle_id" integer NOT NULL,
	"computed_at" timestamp with time zone NOT NULL,
	"config_version" integer NOT NULL,
	"rule_set_version" integer,
	"status" "score_snapshot_status" DEFAULT 'live' NOT NULL,
	"exclusions" "score_exclusions" DEFAULT 'applied' NOT NULL,
	"results" jsonb NOT NULL,
	"diff" jsonb,
	"created_by" text NOT NULL,
	"created_by_id" integer,
	"published_at" timestamp with time zone,
	"published_by" text
);
--> statement-breakpoint
ALTER TABLE "rating_rollups" ADD CONSTRAINT "rating_rollups_cycle_id_cycles_id_fk" FOREIGN KEY ("cycle_id") REFERENCES "public"."cycles"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "rating_rollup_states" ADD CONSTRAINT "rating_rollup_states_cycle_id_cycles_id_fk" FOREIGN KEY ("cycle_id") REFERENCES "public"."cycles"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "score_snapshots" ADD CONSTRAINT "score_snapshots_cycle_id_cycles_id_fk" FOREIGN KEY ("cycle_id") REFERENCES "public"."cycles"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "score_snapshots_cycle_idx" ON "score_snapshots" USING btree ("cycle_id","status");