CREATE TABLE "gridline"."desk_links" (
	"token_hash" text PRIMARY KEY NOT NULL,
	"person_id" uuid NOT NULL,
	"expires_at" timestamp with time zone NOT NULL,
	"used_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "gridline"."desk_sessions" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"token_hash" text NOT NULL,
	"person_id" uuid NOT NULL,
	"expires_at" timestamp with time zone NOT NULL,
	"revoked_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "gridline"."desk_links" ADD CONSTRAINT "desk_links_person_id_people_id_fk" FOREIGN KEY ("person_id") REFERENCES "gridline"."people"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "gridline"."desk_sessions" ADD CONSTRAINT "desk_sessions_person_id_people_id_fk" FOREIGN KEY ("person_id") REFERENCES "gridline"."people"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "desk_sessions_token_uq" ON "gridline"."desk_sessions" USING btree ("token_hash");--> statement-breakpoint
CREATE INDEX "desk_sessions_person_idx" ON "gridline"."desk_sessions" USING btree ("person_id");