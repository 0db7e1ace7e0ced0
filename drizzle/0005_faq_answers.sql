CREATE TABLE "gridline"."faq_answers" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"grid_node_id" uuid,
	"faq_code" text NOT NULL,
	"answered_at" timestamp with time zone NOT NULL,
	"matter_id" uuid
);
--> statement-breakpoint
ALTER TABLE "gridline"."faq_answers" ADD CONSTRAINT "faq_answers_grid_node_id_grid_nodes_id_fk" FOREIGN KEY ("grid_node_id") REFERENCES "gridline"."grid_nodes"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "gridline"."faq_answers" ADD CONSTRAINT "faq_answers_matter_id_matters_id_fk" FOREIGN KEY ("matter_id") REFERENCES "gridline"."matters"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "faq_answers_grid_idx" ON "gridline"."faq_answers" USING btree ("grid_node_id","answered_at");