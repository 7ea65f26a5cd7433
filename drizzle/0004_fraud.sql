-- Anti-fraud (issue 6): the submit pipeline looks up earlier submissions of the same survey by
-- device cookie hash, verified phone hash and (within a day) network prefix hash before it decides.
-- Partial indexes: only submissions that carry the key are indexed.
CREATE INDEX IF NOT EXISTS "submissions_device_idx" ON "submissions" USING btree ("survey_id","device_hash") WHERE "device_hash" IS NOT NULL;--> statement-breakpoint
CREATE INDEX IF NOT EXISTS "submissions_phone_idx" ON "submissions" USING btree ("survey_id","phone_hash") WHERE "phone_hash" IS NOT NULL;--> statement-breakpoint
CREATE INDEX IF NOT EXISTS "submissions_prefix_idx" ON "submissions" USING btree ("survey_id","ip_prefix_hash","received_at") WHERE "ip_prefix_hash" IS NOT NULL;--> statement-breakpoint
-- Review queues and alert clusters read by survey and status.
CREATE INDEX IF NOT EXISTS "submissions_status_idx" ON "submissions" USING btree ("survey_id","status") WHERE "status" IN ('flagged', 'quarantined');--> statement-breakpoint
CREATE INDEX IF NOT EXISTS "comments_survey_idx" ON "comments" USING btree ("survey_id");
