CREATE SCHEMA "gridline";
--> statement-breakpoint
CREATE TYPE "gridline"."category" AS ENUM('consult', 'help', 'complaint', 'dispute', 'hazard', 'other');--> statement-breakpoint
CREATE TYPE "gridline"."grid_level" AS ENUM('county', 'township', 'village', 'unit', 'household');--> statement-breakpoint
CREATE TYPE "gridline"."matter_level" AS ENUM('unit', 'village', 'township', 'county');--> statement-breakpoint
CREATE TYPE "gridline"."matter_state" AS ENUM('open', 'settled', 'closed', 'withdrawn');--> statement-breakpoint
CREATE TYPE "gridline"."platform" AS ENUM('telegram', 'slack', 'cli');--> statement-breakpoint
CREATE TYPE "gridline"."role" AS ENUM('villager', 'household_head', 'officer_full', 'officer_part', 'grid_leader', 'cadre', 'liaison');--> statement-breakpoint
CREATE TYPE "gridline"."size" AS ENUM('small', 'big');--> statement-breakpoint
CREATE TYPE "gridline"."step" AS ENUM('discover', 'accept', 'dispatch', 'handle', 'track', 'supervise', 'feedback', 'evaluate');--> statement-breakpoint
CREATE SEQUENCE "gridline"."matter_ref_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1;--> statement-breakpoint
CREATE TABLE "gridline"."alert_runs" (
	"kind" text NOT NULL,
	"grid_node_id" uuid NOT NULL,
	"day" text NOT NULL,
	"at" timestamp with time zone NOT NULL,
	CONSTRAINT "alert_runs_kind_grid_node_id_day_pk" PRIMARY KEY("kind","grid_node_id","day")
);
--> statement-breakpoint
CREATE TABLE "gridline"."chat_outputs" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"platform" "gridline"."platform" NOT NULL,
	"chat_id" text NOT NULL,
	"user_id" text NOT NULL,
	"event_id" text NOT NULL,
	"seq" integer NOT NULL,
	"output" jsonb NOT NULL,
	"status" text DEFAULT 'pending' NOT NULL,
	"claimed_by" text,
	"claimed_at" timestamp with time zone,
	"attempts" integer DEFAULT 0 NOT NULL,
	"error" text,
	"message_ref" text,
	"sent_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "gridline"."deadline_clocks" (
	"matter_id" uuid NOT NULL,
	"kind" text NOT NULL,
	"status" text NOT NULL,
	"version" integer NOT NULL,
	"started_at" timestamp with time zone NOT NULL,
	"due_at" timestamp with time zone NOT NULL,
	"warn_at" timestamp with time zone NOT NULL,
	"paused_ms" bigint DEFAULT 0 NOT NULL,
	"paused_at" timestamp with time zone,
	"step" "gridline"."step" NOT NULL,
	"level" "gridline"."matter_level" NOT NULL,
	"assignee_id" uuid,
	"warned_at" timestamp with time zone,
	"fired_at" timestamp with time zone,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "deadline_clocks_matter_id_kind_pk" PRIMARY KEY("matter_id","kind")
);
--> statement-breakpoint
CREATE TABLE "gridline"."deliveries" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"person_id" uuid,
	"matter_id" uuid,
	"template" text NOT NULL,
	"params" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"status" text DEFAULT 'pending' NOT NULL,
	"claimed_by" text,
	"claimed_at" timestamp with time zone,
	"channel" text,
	"attempts" integer DEFAULT 0 NOT NULL,
	"error" text,
	"sent_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"chat_platform" "gridline"."platform",
	"chat_id" text,
	"grid_node_id" uuid,
	CONSTRAINT "deliveries_target_ck" CHECK ("gridline"."deliveries"."person_id" is not null or ("gridline"."deliveries"."chat_platform" is not null and "gridline"."deliveries"."chat_id" is not null))
);
--> statement-breakpoint
CREATE TABLE "gridline"."departments" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"code" text NOT NULL,
	"name" text NOT NULL,
	"grid_node_id" uuid NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"report_in_minutes" integer DEFAULT 30 NOT NULL
);
--> statement-breakpoint
CREATE TABLE "gridline"."dispute_cutoffs" (
	"grid_node_id" uuid PRIMARY KEY NOT NULL,
	"evening" text NOT NULL,
	"morning" text NOT NULL
);
--> statement-breakpoint
CREATE TABLE "gridline"."faq_entries" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"code" text NOT NULL,
	"question" text NOT NULL,
	"answer" text NOT NULL,
	"keywords" jsonb DEFAULT '[]'::jsonb NOT NULL
);
--> statement-breakpoint
CREATE TABLE "gridline"."flow_states" (
	"platform" "gridline"."platform" NOT NULL,
	"external_id" text NOT NULL,
	"flow" text NOT NULL,
	"step_name" text NOT NULL,
	"data" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"expires_at" timestamp with time zone,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	"chat_id" text,
	"token" text,
	"locale" text,
	CONSTRAINT "flow_states_platform_external_id_pk" PRIMARY KEY("platform","external_id")
);
--> statement-breakpoint
CREATE TABLE "gridline"."grid_nodes" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"code" text NOT NULL,
	"name" text NOT NULL,
	"level" "gridline"."grid_level" NOT NULL,
	"kind" text DEFAULT 'standard' NOT NULL,
	"parent_id" uuid,
	"path" text NOT NULL,
	"timezone" text DEFAULT 'Asia/Shanghai' NOT NULL,
	"join_code" text,
	"households" integer,
	"population" integer,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"alert_telegram_chat" text,
	"alert_slack_channel" text,
	"alert_dm" boolean,
	"alert_locale" text DEFAULT 'zh-CN' NOT NULL,
	"quiet_from" text DEFAULT '22:00' NOT NULL,
	"quiet_to" text DEFAULT '07:00' NOT NULL
);
--> statement-breakpoint
CREATE TABLE "gridline"."identities" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"person_id" uuid NOT NULL,
	"platform" "gridline"."platform" NOT NULL,
	"external_id" text NOT NULL,
	"chat_id" text,
	"unreachable_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "gridline"."link_codes" (
	"code" text PRIMARY KEY NOT NULL,
	"person_id" uuid NOT NULL,
	"expires_at" timestamp with time zone NOT NULL,
	"used_at" timestamp with time zone,
	"used_by" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "gridline"."matter_events" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"matter_id" uuid NOT NULL,
	"at" timestamp with time zone DEFAULT now() NOT NULL,
	"actor_id" uuid,
	"action" text NOT NULL,
	"step_from" "gridline"."step",
	"step_to" "gridline"."step",
	"level_from" "gridline"."matter_level",
	"level_to" "gridline"."matter_level",
	"assignee_id" uuid,
	"note" text,
	"data" jsonb
);
--> statement-breakpoint
CREATE TABLE "gridline"."matter_pauses" (
	"matter_id" uuid PRIMARY KEY NOT NULL,
	"paused_at" timestamp with time zone NOT NULL,
	"paused_by_id" uuid
);
--> statement-breakpoint
CREATE TABLE "gridline"."matters" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"ref" text NOT NULL,
	"category" "gridline"."category" NOT NULL,
	"topic" text DEFAULT 'general' NOT NULL,
	"size" "gridline"."size" DEFAULT 'small' NOT NULL,
	"step" "gridline"."step" NOT NULL,
	"state" "gridline"."matter_state" DEFAULT 'open' NOT NULL,
	"level" "gridline"."matter_level" DEFAULT 'unit' NOT NULL,
	"grid_node_id" uuid NOT NULL,
	"reporter_id" uuid,
	"recorded_by_id" uuid,
	"assignee_id" uuid,
	"first_assignee_id" uuid,
	"summary" text NOT NULL,
	"supervised" boolean DEFAULT false NOT NULL,
	"urgent" boolean DEFAULT false NOT NULL,
	"source_event_id" text,
	"due_at" timestamp with time zone,
	"discovered_at" timestamp with time zone,
	"accepted_at" timestamp with time zone,
	"dispatched_at" timestamp with time zone,
	"handled_at" timestamp with time zone,
	"tracked_at" timestamp with time zone,
	"supervised_at" timestamp with time zone,
	"feedback_at" timestamp with time zone,
	"evaluated_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "gridline"."message_links" (
	"platform" "gridline"."platform" NOT NULL,
	"chat_id" text NOT NULL,
	"message_ref" text NOT NULL,
	"matter_id" uuid NOT NULL,
	"person_id" uuid,
	"kind" text NOT NULL,
	"delivery_id" uuid,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "message_links_platform_chat_id_message_ref_pk" PRIMARY KEY("platform","chat_id","message_ref")
);
--> statement-breakpoint
CREATE TABLE "gridline"."messages" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"matter_id" uuid NOT NULL,
	"author_id" uuid,
	"direction" text NOT NULL,
	"text" text,
	"attachments" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"platform" "gridline"."platform",
	"platform_message_id" text,
	"edited_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "gridline"."outbox" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"queue" text NOT NULL,
	"job" text NOT NULL,
	"payload" jsonb NOT NULL,
	"run_at" timestamp with time zone,
	"relayed_at" timestamp with time zone,
	"attempts" integer DEFAULT 0 NOT NULL,
	"last_error" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "gridline"."people" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"code" text,
	"name" text NOT NULL,
	"locale" text DEFAULT 'zh-CN' NOT NULL,
	"phone" text,
	"on_leave" boolean DEFAULT false NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "gridline"."processed_events" (
	"id" text PRIMARY KEY NOT NULL,
	"matter_id" uuid,
	"at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "gridline"."roles" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"person_id" uuid NOT NULL,
	"grid_node_id" uuid NOT NULL,
	"role" "gridline"."role" NOT NULL,
	"department_id" uuid,
	"title" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "gridline"."slack_cards" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"matter_id" uuid NOT NULL,
	"person_id" uuid,
	"channel" text NOT NULL,
	"ts" text NOT NULL,
	"template" text NOT NULL,
	"locale" text DEFAULT 'zh-CN' NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "gridline"."summons" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"matter_id" uuid NOT NULL,
	"department_id" uuid NOT NULL,
	"summoned_at" timestamp with time zone NOT NULL,
	"summoned_by_id" uuid,
	"reason" text NOT NULL,
	"report_due_at" timestamp with time zone NOT NULL,
	"reported_in_at" timestamp with time zone,
	"reported_in_by_id" uuid,
	"late" boolean DEFAULT false NOT NULL,
	"overdue_alerted_at" timestamp with time zone,
	"signed_off_at" timestamp with time zone,
	"signed_off_by_id" uuid,
	"sign_off_note" text,
	"rating" integer,
	"rated_by_id" uuid,
	"rated_at" timestamp with time zone,
	CONSTRAINT "summons_rating_ck" CHECK ("gridline"."summons"."rating" is null or "gridline"."summons"."rating" between 1 and 5)
);
--> statement-breakpoint
CREATE TABLE "gridline"."time_limits" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"category" text DEFAULT '*' NOT NULL,
	"size" text DEFAULT '*' NOT NULL,
	"level" text DEFAULT '*' NOT NULL,
	"accept_minutes" integer NOT NULL,
	"reply_minutes" integer NOT NULL,
	"settle_minutes" integer NOT NULL
);
--> statement-breakpoint
ALTER TABLE "gridline"."alert_runs" ADD CONSTRAINT "alert_runs_grid_node_id_grid_nodes_id_fk" FOREIGN KEY ("grid_node_id") REFERENCES "gridline"."grid_nodes"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "gridline"."deadline_clocks" ADD CONSTRAINT "deadline_clocks_matter_id_matters_id_fk" FOREIGN KEY ("matter_id") REFERENCES "gridline"."matters"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "gridline"."deadline_clocks" ADD CONSTRAINT "deadline_clocks_assignee_id_people_id_fk" FOREIGN KEY ("assignee_id") REFERENCES "gridline"."people"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "gridline"."deliveries" ADD CONSTRAINT "deliveries_person_id_people_id_fk" FOREIGN KEY ("person_id") REFERENCES "gridline"."people"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "gridline"."deliveries" ADD CONSTRAINT "deliveries_matter_id_matters_id_fk" FOREIGN KEY ("matter_id") REFERENCES "gridline"."matters"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "gridline"."deliveries" ADD CONSTRAINT "deliveries_grid_node_id_grid_nodes_id_fk" FOREIGN KEY ("grid_node_id") REFERENCES "gridline"."grid_nodes"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "gridline"."departments" ADD CONSTRAINT "departments_grid_node_id_grid_nodes_id_fk" FOREIGN KEY ("grid_node_id") REFERENCES "gridline"."grid_nodes"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "gridline"."dispute_cutoffs" ADD CONSTRAINT "dispute_cutoffs_grid_node_id_grid_nodes_id_fk" FOREIGN KEY ("grid_node_id") REFERENCES "gridline"."grid_nodes"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "gridline"."grid_nodes" ADD CONSTRAINT "grid_nodes_parent_id_grid_nodes_id_fk" FOREIGN KEY ("parent_id") REFERENCES "gridline"."grid_nodes"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "gridline"."identities" ADD CONSTRAINT "identities_person_id_people_id_fk" FOREIGN KEY ("person_id") REFERENCES "gridline"."people"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "gridline"."link_codes" ADD CONSTRAINT "link_codes_person_id_people_id_fk" FOREIGN KEY ("person_id") REFERENCES "gridline"."people"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "gridline"."matter_events" ADD CONSTRAINT "matter_events_matter_id_matters_id_fk" FOREIGN KEY ("matter_id") REFERENCES "gridline"."matters"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "gridline"."matter_events" ADD CONSTRAINT "matter_events_actor_id_people_id_fk" FOREIGN KEY ("actor_id") REFERENCES "gridline"."people"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "gridline"."matter_events" ADD CONSTRAINT "matter_events_assignee_id_people_id_fk" FOREIGN KEY ("assignee_id") REFERENCES "gridline"."people"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "gridline"."matter_pauses" ADD CONSTRAINT "matter_pauses_matter_id_matters_id_fk" FOREIGN KEY ("matter_id") REFERENCES "gridline"."matters"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "gridline"."matter_pauses" ADD CONSTRAINT "matter_pauses_paused_by_id_people_id_fk" FOREIGN KEY ("paused_by_id") REFERENCES "gridline"."people"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "gridline"."matters" ADD CONSTRAINT "matters_grid_node_id_grid_nodes_id_fk" FOREIGN KEY ("grid_node_id") REFERENCES "gridline"."grid_nodes"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "gridline"."matters" ADD CONSTRAINT "matters_reporter_id_people_id_fk" FOREIGN KEY ("reporter_id") REFERENCES "gridline"."people"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "gridline"."matters" ADD CONSTRAINT "matters_recorded_by_id_people_id_fk" FOREIGN KEY ("recorded_by_id") REFERENCES "gridline"."people"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "gridline"."matters" ADD CONSTRAINT "matters_assignee_id_people_id_fk" FOREIGN KEY ("assignee_id") REFERENCES "gridline"."people"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "gridline"."matters" ADD CONSTRAINT "matters_first_assignee_id_people_id_fk" FOREIGN KEY ("first_assignee_id") REFERENCES "gridline"."people"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "gridline"."message_links" ADD CONSTRAINT "message_links_matter_id_matters_id_fk" FOREIGN KEY ("matter_id") REFERENCES "gridline"."matters"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "gridline"."message_links" ADD CONSTRAINT "message_links_person_id_people_id_fk" FOREIGN KEY ("person_id") REFERENCES "gridline"."people"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "gridline"."messages" ADD CONSTRAINT "messages_matter_id_matters_id_fk" FOREIGN KEY ("matter_id") REFERENCES "gridline"."matters"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "gridline"."messages" ADD CONSTRAINT "messages_author_id_people_id_fk" FOREIGN KEY ("author_id") REFERENCES "gridline"."people"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "gridline"."roles" ADD CONSTRAINT "roles_person_id_people_id_fk" FOREIGN KEY ("person_id") REFERENCES "gridline"."people"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "gridline"."roles" ADD CONSTRAINT "roles_grid_node_id_grid_nodes_id_fk" FOREIGN KEY ("grid_node_id") REFERENCES "gridline"."grid_nodes"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "gridline"."roles" ADD CONSTRAINT "roles_department_id_departments_id_fk" FOREIGN KEY ("department_id") REFERENCES "gridline"."departments"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "gridline"."slack_cards" ADD CONSTRAINT "slack_cards_matter_id_matters_id_fk" FOREIGN KEY ("matter_id") REFERENCES "gridline"."matters"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "gridline"."slack_cards" ADD CONSTRAINT "slack_cards_person_id_people_id_fk" FOREIGN KEY ("person_id") REFERENCES "gridline"."people"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "gridline"."summons" ADD CONSTRAINT "summons_matter_id_matters_id_fk" FOREIGN KEY ("matter_id") REFERENCES "gridline"."matters"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "gridline"."summons" ADD CONSTRAINT "summons_department_id_departments_id_fk" FOREIGN KEY ("department_id") REFERENCES "gridline"."departments"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "gridline"."summons" ADD CONSTRAINT "summons_summoned_by_id_people_id_fk" FOREIGN KEY ("summoned_by_id") REFERENCES "gridline"."people"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "gridline"."summons" ADD CONSTRAINT "summons_reported_in_by_id_people_id_fk" FOREIGN KEY ("reported_in_by_id") REFERENCES "gridline"."people"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "gridline"."summons" ADD CONSTRAINT "summons_signed_off_by_id_people_id_fk" FOREIGN KEY ("signed_off_by_id") REFERENCES "gridline"."people"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "gridline"."summons" ADD CONSTRAINT "summons_rated_by_id_people_id_fk" FOREIGN KEY ("rated_by_id") REFERENCES "gridline"."people"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "chat_outputs_event_idx" ON "gridline"."chat_outputs" USING btree ("event_id","seq");--> statement-breakpoint
CREATE INDEX "chat_outputs_status_idx" ON "gridline"."chat_outputs" USING btree ("status");--> statement-breakpoint
CREATE INDEX "deadline_clocks_live_idx" ON "gridline"."deadline_clocks" USING btree ("matter_id") WHERE "gridline"."deadline_clocks"."status" in ('running', 'paused');--> statement-breakpoint
CREATE INDEX "deliveries_matter_idx" ON "gridline"."deliveries" USING btree ("matter_id");--> statement-breakpoint
CREATE INDEX "deliveries_status_idx" ON "gridline"."deliveries" USING btree ("status");--> statement-breakpoint
CREATE INDEX "deliveries_held_idx" ON "gridline"."deliveries" USING btree ("grid_node_id") WHERE "gridline"."deliveries"."status" = 'held';--> statement-breakpoint
CREATE UNIQUE INDEX "departments_code_uq" ON "gridline"."departments" USING btree ("code");--> statement-breakpoint
CREATE UNIQUE INDEX "faq_entries_code_uq" ON "gridline"."faq_entries" USING btree ("code");--> statement-breakpoint
CREATE UNIQUE INDEX "grid_nodes_code_uq" ON "gridline"."grid_nodes" USING btree ("code");--> statement-breakpoint
CREATE UNIQUE INDEX "grid_nodes_join_code_uq" ON "gridline"."grid_nodes" USING btree ("join_code");--> statement-breakpoint
CREATE INDEX "grid_nodes_parent_idx" ON "gridline"."grid_nodes" USING btree ("parent_id");--> statement-breakpoint
CREATE INDEX "grid_nodes_path_idx" ON "gridline"."grid_nodes" USING btree ("path");--> statement-breakpoint
CREATE UNIQUE INDEX "identities_platform_external_uq" ON "gridline"."identities" USING btree ("platform","external_id");--> statement-breakpoint
CREATE INDEX "identities_person_idx" ON "gridline"."identities" USING btree ("person_id");--> statement-breakpoint
CREATE INDEX "matter_events_matter_idx" ON "gridline"."matter_events" USING btree ("matter_id","id");--> statement-breakpoint
CREATE INDEX "matter_events_at_idx" ON "gridline"."matter_events" USING btree ("at");--> statement-breakpoint
CREATE UNIQUE INDEX "matters_ref_uq" ON "gridline"."matters" USING btree ("ref");--> statement-breakpoint
CREATE UNIQUE INDEX "matters_source_event_uq" ON "gridline"."matters" USING btree ("source_event_id");--> statement-breakpoint
CREATE INDEX "matters_assignee_open_idx" ON "gridline"."matters" USING btree ("assignee_id") WHERE "gridline"."matters"."state" = 'open';--> statement-breakpoint
CREATE INDEX "matters_grid_idx" ON "gridline"."matters" USING btree ("grid_node_id","created_at");--> statement-breakpoint
CREATE INDEX "matters_reporter_idx" ON "gridline"."matters" USING btree ("reporter_id","created_at");--> statement-breakpoint
CREATE INDEX "message_links_matter_idx" ON "gridline"."message_links" USING btree ("matter_id");--> statement-breakpoint
CREATE INDEX "messages_matter_idx" ON "gridline"."messages" USING btree ("matter_id","created_at");--> statement-breakpoint
CREATE INDEX "outbox_pending_idx" ON "gridline"."outbox" USING btree ("id") WHERE "gridline"."outbox"."relayed_at" is null;--> statement-breakpoint
CREATE UNIQUE INDEX "people_code_uq" ON "gridline"."people" USING btree ("code");--> statement-breakpoint
CREATE UNIQUE INDEX "roles_person_node_role_uq" ON "gridline"."roles" USING btree ("person_id","grid_node_id","role");--> statement-breakpoint
CREATE INDEX "roles_node_role_idx" ON "gridline"."roles" USING btree ("grid_node_id","role");--> statement-breakpoint
CREATE UNIQUE INDEX "slack_cards_channel_ts_uq" ON "gridline"."slack_cards" USING btree ("channel","ts");--> statement-breakpoint
CREATE INDEX "slack_cards_matter_idx" ON "gridline"."slack_cards" USING btree ("matter_id");--> statement-breakpoint
CREATE INDEX "summons_matter_idx" ON "gridline"."summons" USING btree ("matter_id");--> statement-breakpoint
CREATE UNIQUE INDEX "summons_open_uq" ON "gridline"."summons" USING btree ("matter_id","department_id") WHERE "gridline"."summons"."signed_off_at" is null;--> statement-breakpoint
CREATE UNIQUE INDEX "time_limits_key_uq" ON "gridline"."time_limits" USING btree ("category","size","level");