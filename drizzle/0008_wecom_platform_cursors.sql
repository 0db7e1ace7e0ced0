ALTER TYPE "gridline"."platform" ADD VALUE 'wecom';--> statement-breakpoint
CREATE TABLE "gridline"."platform_cursors" (
	"key" text PRIMARY KEY NOT NULL,
	"value" text NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
