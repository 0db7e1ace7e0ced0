ALTER TABLE "gridline"."deliveries" ALTER COLUMN "chat_platform" SET DATA TYPE text;--> statement-breakpoint
ALTER TABLE "gridline"."flow_states" ALTER COLUMN "platform" SET DATA TYPE text;--> statement-breakpoint
ALTER TABLE "gridline"."identities" ALTER COLUMN "platform" SET DATA TYPE text;--> statement-breakpoint
ALTER TABLE "gridline"."inbox" ALTER COLUMN "platform" SET DATA TYPE text;--> statement-breakpoint
ALTER TABLE "gridline"."message_links" ALTER COLUMN "platform" SET DATA TYPE text;--> statement-breakpoint
ALTER TABLE "gridline"."messages" ALTER COLUMN "platform" SET DATA TYPE text;--> statement-breakpoint
ALTER TABLE "gridline"."people" ALTER COLUMN "preferred_platform" SET DATA TYPE text;--> statement-breakpoint
DROP TYPE "gridline"."platform";