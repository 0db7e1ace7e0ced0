ALTER TABLE "gridline"."deliveries" ADD COLUMN "recipient" text;--> statement-breakpoint
ALTER TABLE "gridline"."deliveries" ADD COLUMN "seq" bigserial NOT NULL;--> statement-breakpoint
ALTER TABLE "gridline"."deliveries" ADD COLUMN "output" jsonb;--> statement-breakpoint
ALTER TABLE "gridline"."deliveries" ADD COLUMN "due_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "gridline"."deliveries" ADD COLUMN "retry_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "gridline"."deliveries" ADD COLUMN "user_id" text;--> statement-breakpoint
ALTER TABLE "gridline"."deliveries" ADD COLUMN "event_id" text;--> statement-breakpoint
ALTER TABLE "gridline"."deliveries" ADD COLUMN "message_ref" text;--> statement-breakpoint
-- Existing notifications join their recipient's queue.
UPDATE "gridline"."deliveries" SET "recipient" = CASE WHEN "person_id" IS NOT NULL THEN 'person:' || "person_id" ELSE 'chat:' || "chat_platform" || ':' || "chat_id" END;--> statement-breakpoint
ALTER TABLE "gridline"."deliveries" ALTER COLUMN "recipient" SET NOT NULL;--> statement-breakpoint
-- Conversation outputs not yet sent move over (into their chat's queue, in written order); those already sent are history and go.
INSERT INTO "gridline"."deliveries" ("recipient", "template", "output", "status", "attempts", "error", "created_at", "chat_platform", "chat_id", "user_id", "event_id")
  SELECT 'chat:' || "platform" || ':' || "chat_id", 'chat', "output", 'pending', "attempts", "error", "created_at", "platform", "chat_id", "user_id", "event_id"
  FROM "gridline"."chat_outputs" WHERE "status" IN ('pending', 'sending') ORDER BY "created_at", "event_id", "seq";--> statement-breakpoint
DROP TABLE "gridline"."chat_outputs" CASCADE;--> statement-breakpoint
-- Their old jobs are gone: the reconciler's pass at start queues a send job for every pending row.
UPDATE "gridline"."outbox" SET "relayed_at" = now(), "last_error" = 'replaced by the send job' WHERE "relayed_at" IS NULL AND "queue" IN ('notify', 'chat_send');--> statement-breakpoint
-- Slack requests still waiting in the inbox were for the Slack worker, which is gone: given up for operators to see (gridline inbox), not replayed as chat updates they are not.
UPDATE "gridline"."inbox" SET "status" = 'failed', "payload" = NULL, "done_at" = now(), "summary" = jsonb_build_object('kind', 'slack', 'error', 'UpgradedAway') WHERE "queue" = 'slack' AND "status" = 'pending';--> statement-breakpoint
CREATE TABLE "gridline"."rate_buckets" (
	"key" text PRIMARY KEY NOT NULL,
	"tat" double precision NOT NULL,
	"wait_ms" double precision DEFAULT 0 NOT NULL
);
--> statement-breakpoint
ALTER TABLE "gridline"."identities" ADD COLUMN "last_seen_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "gridline"."people" ADD COLUMN "preferred_platform" "gridline"."platform";--> statement-breakpoint
CREATE INDEX "deliveries_queue_idx" ON "gridline"."deliveries" USING btree ("recipient","seq") WHERE "gridline"."deliveries"."status" in ('pending', 'sending');
