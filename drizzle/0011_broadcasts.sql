CREATE TABLE "gridline"."broadcast_events" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"broadcast_id" uuid NOT NULL,
	"at" timestamp with time zone DEFAULT now() NOT NULL,
	"actor_id" uuid,
	"action" text NOT NULL,
	"data" jsonb
);
--> statement-breakpoint
CREATE TABLE "gridline"."broadcast_responses" (
	"broadcast_id" uuid NOT NULL,
	"person_id" uuid NOT NULL,
	"answer" text NOT NULL,
	"at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "broadcast_responses_broadcast_id_person_id_pk" PRIMARY KEY("broadcast_id","person_id")
);
--> statement-breakpoint
CREATE TABLE "gridline"."broadcasts" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"author_id" uuid,
	"grid_node_id" uuid NOT NULL,
	"roles" text[],
	"locale" text,
	"texts" jsonb NOT NULL,
	"default_locale" text DEFAULT 'zh-CN' NOT NULL,
	"buttons" text[] DEFAULT '{}' NOT NULL,
	"status" text DEFAULT 'draft' NOT NULL,
	"audience_size" integer DEFAULT 0 NOT NULL,
	"scheduled_at" timestamp with time zone,
	"approved_by_id" uuid,
	"approved_at" timestamp with time zone,
	"released_at" timestamp with time zone,
	"finished_at" timestamp with time zone,
	"progress_delivery_id" uuid,
	"progress_at" timestamp with time zone,
	"counts" jsonb,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "gridline"."deliveries" ADD COLUMN "broadcast_id" uuid;--> statement-breakpoint
ALTER TABLE "gridline"."grid_nodes" ADD COLUMN "broadcast_approval_size" integer;--> statement-breakpoint
ALTER TABLE "gridline"."people" ADD COLUMN "broadcasts_stopped_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "gridline"."broadcast_events" ADD CONSTRAINT "broadcast_events_broadcast_id_broadcasts_id_fk" FOREIGN KEY ("broadcast_id") REFERENCES "gridline"."broadcasts"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "gridline"."broadcast_events" ADD CONSTRAINT "broadcast_events_actor_id_people_id_fk" FOREIGN KEY ("actor_id") REFERENCES "gridline"."people"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "gridline"."broadcast_responses" ADD CONSTRAINT "broadcast_responses_broadcast_id_broadcasts_id_fk" FOREIGN KEY ("broadcast_id") REFERENCES "gridline"."broadcasts"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "gridline"."broadcast_responses" ADD CONSTRAINT "broadcast_responses_person_id_people_id_fk" FOREIGN KEY ("person_id") REFERENCES "gridline"."people"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "gridline"."broadcasts" ADD CONSTRAINT "broadcasts_author_id_people_id_fk" FOREIGN KEY ("author_id") REFERENCES "gridline"."people"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "gridline"."broadcasts" ADD CONSTRAINT "broadcasts_grid_node_id_grid_nodes_id_fk" FOREIGN KEY ("grid_node_id") REFERENCES "gridline"."grid_nodes"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "gridline"."broadcasts" ADD CONSTRAINT "broadcasts_approved_by_id_people_id_fk" FOREIGN KEY ("approved_by_id") REFERENCES "gridline"."people"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "broadcast_events_idx" ON "gridline"."broadcast_events" USING btree ("broadcast_id","id");--> statement-breakpoint
CREATE INDEX "broadcasts_status_idx" ON "gridline"."broadcasts" USING btree ("status");--> statement-breakpoint
ALTER TABLE "gridline"."deliveries" ADD CONSTRAINT "deliveries_broadcast_id_broadcasts_id_fk" FOREIGN KEY ("broadcast_id") REFERENCES "gridline"."broadcasts"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "deliveries_broadcast_person_uq" ON "gridline"."deliveries" USING btree ("broadcast_id","person_id");