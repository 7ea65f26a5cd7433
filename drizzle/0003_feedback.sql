CREATE TYPE "public"."appeal_status" AS ENUM('pending', 'maintained', 'revised');--> statement-breakpoint
CREATE TYPE "public"."rectification_source" AS ENUM('low_score', 'comment', 'appeal', 'manual');--> statement-breakpoint
CREATE TYPE "public"."rectification_status" AS ENUM('open', 'in_progress', 'done', 'verified');--> statement-breakpoint
CREATE TABLE "appeals" (
	"id" integer PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "appeals_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 2147483647 START WITH 1 CACHE 1),
	"cycle_id" integer NOT NULL,
	"unit_code" text NOT NULL,
	"snapshot_id" integer,
	"reason" text NOT NULL,
	"status" "appeal_status" DEFAULT 'pending' NOT NULL,
	"response" text,
	"evidence" jsonb,
	"created_by" text NOT NULL,
	"created_by_id" integer,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"answered_by" text,
	"answered_at" timestamp with time zone
);
--> statement-breakpoint
CREATE TABLE "evidence_files" (
	"id" integer PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "evidence_files_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 2147483647 START WITH 1 CACHE 1),
	"rectification_id" integer NOT NULL,
	"filename" text NOT NULL,
	"mime" text NOT NULL,
	"size" integer NOT NULL,
	"sha256" text NOT NULL,
	"data" "bytea",
	"path" text,
	"uploaded_by" text NOT NULL,
	"uploaded_by_id" integer,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "feedback_settings" (
	"cycle_id" integer PRIMARY KEY NOT NULL,
	"require_approval" boolean DEFAULT false NOT NULL,
	"appeal_days" integer DEFAULT 10 NOT NULL,
	"followup_cycle_id" integer,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "followups" (
	"id" integer PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "followups_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 2147483647 START WITH 1 CACHE 1),
	"rectification_id" integer NOT NULL,
	"survey_id" integer,
	"survey_slug" text NOT NULL,
	"question" text NOT NULL,
	"result" jsonb,
	"created_by" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "followups_rectification" UNIQUE("rectification_id")
);
--> statement-breakpoint
CREATE TABLE "problem_types" (
	"id" integer PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "problem_types_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 2147483647 START WITH 1 CACHE 1),
	"cycle_id" integer NOT NULL,
	"code" text NOT NULL,
	"name" text NOT NULL,
	"sort" integer DEFAULT 0 NOT NULL,
	CONSTRAINT "problem_types_cycle_code" UNIQUE("cycle_id","code")
);
--> statement-breakpoint
CREATE TABLE "rectifications" (
	"id" integer PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "rectifications_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 2147483647 START WITH 1 CACHE 1),
	"cycle_id" integer NOT NULL,
	"unit_id" integer NOT NULL,
	"unit_code" text NOT NULL,
	"source" "rectification_source" DEFAULT 'manual' NOT NULL,
	"source_ref" text,
	"type_code" text NOT NULL,
	"description" text NOT NULL,
	"owner" text NOT NULL,
	"plan" text DEFAULT '' NOT NULL,
	"deadline" date NOT NULL,
	"status" "rectification_status" DEFAULT 'open' NOT NULL,
	"created_by" text NOT NULL,
	"created_by_id" integer,
	"carried_from_id" integer,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	"done_at" timestamp with time zone,
	"verified_at" timestamp with time zone,
	"verified_by" text
);
--> statement-breakpoint
CREATE TABLE "rectification_events" (
	"id" bigint PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "rectification_events_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1),
	"rectification_id" integer NOT NULL,
	"at" timestamp with time zone DEFAULT now() NOT NULL,
	"kind" text NOT NULL,
	"from_status" "rectification_status",
	"to_status" "rectification_status",
	"note" text,
	"detail" jsonb,
	"actor_label" text NOT NULL,
	"actor_id" integer
);
--> statement-breakpoint
ALTER TABLE "appeals" ADD CONSTRAINT "appeals_cycle_id_cycles_id_fk" FOREIGN KEY ("cycle_id") REFERENCES "public"."cycles"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "appeals" ADD CONSTRAINT "appeals_snapshot_id_score_snapshots_id_fk" FOREIGN KEY ("snapshot_id") REFERENCES "public"."score_snapshots"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "evidence_files" ADD CONSTRAINT "evidence_files_rectification_id_rectifications_id_fk" FOREIGN KEY ("rectification_id") REFERENCES "public"."rectifications"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "feedback_settings" ADD CONSTRAINT "feedback_settings_cycle_id_cycles_id_fk" FOREIGN KEY ("cycle_id") REFERENCES "public"."cycles"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "feedback_settings" ADD CONSTRAINT "feedback_settings_followup_cycle_id_cycles_id_fk" FOREIGN KEY ("followup_cycle_id") REFERENCES "public"."cycles"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "followups" ADD CONSTRAINT "followups_rectification_id_rectifications_id_fk" FOREIGN KEY ("rectification_id") REFERENCES "public"."rectifications"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "followups" ADD CONSTRAINT "followups_survey_id_surveys_id_fk" FOREIGN KEY ("survey_id") REFERENCES "public"."surveys"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "problem_types" ADD CONSTRAINT "problem_types_cycle_id_cycles_id_fk" FOREIGN KEY ("cycle_id") REFERENCES "public"."cycles"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "rectifications" ADD CONSTRAINT "rectifications_cycle_id_cycles_id_fk" FOREIGN KEY ("cycle_id") REFERENCES "public"."cycles"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "rectifications" ADD CONSTRAINT "rectifications_unit_id_units_id_fk" FOREIGN KEY ("unit_id") REFERENCES "public"."units"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "rectifications" ADD CONSTRAINT "rectifications_carried_from_id_rectifications_id_fk" FOREIGN KEY ("carried_from_id") REFERENCES "public"."rectifications"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "rectification_events" ADD CONSTRAINT "rectification_events_rectification_id_rectifications_id_fk" FOREIGN KEY ("rectification_id") REFERENCES "public"."rectifications"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "appeals_cycle_unit_idx" ON "appeals" USING btree ("cycle_id","unit_code");--> statement-breakpoint
CREATE INDEX "evidence_files_item_idx" ON "evidence_files" USING btree ("rectification_id");--> statement-breakpoint
CREATE INDEX "rectifications_cycle_unit_idx" ON "rectifications" USING btree ("cycle_id","unit_code");--> statement-breakpoint
CREATE INDEX "rectifications_carried_from_idx" ON "rectifications" USING btree ("carried_from_id");--> statement-breakpoint
CREATE INDEX "rectification_events_item_idx" ON "rectification_events" USING btree ("rectification_id","at");