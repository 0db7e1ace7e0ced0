ALTER TABLE "gridline"."broadcasts" ADD COLUMN "attachments" jsonb DEFAULT '[]'::jsonb NOT NULL;--> statement-breakpoint
ALTER TABLE "gridline"."broadcasts" ADD COLUMN "holiday" text;--> statement-breakpoint
ALTER TABLE "gridline"."broadcasts" ADD COLUMN "send_time" text;--> statement-breakpoint
ALTER TABLE "gridline"."broadcasts" ADD COLUMN "yearly_of_id" uuid;--> statement-breakpoint
ALTER TABLE "gridline"."broadcasts" ADD COLUMN "year" integer;--> statement-breakpoint
CREATE UNIQUE INDEX "broadcasts_yearly_copy_idx" ON "gridline"."broadcasts" USING btree ("yearly_of_id","year");