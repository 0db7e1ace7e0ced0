-- 一本工作簿: the event log of a matter is append-only. The database refuses to change or remove a
-- row, whatever the code does.
CREATE OR REPLACE FUNCTION "gridline"."matter_events_append_only"() RETURNS trigger AS $$
BEGIN
  RAISE EXCEPTION 'gridline.matter_events is append-only: % refused', TG_OP;
END;
$$ LANGUAGE plpgsql;
--> statement-breakpoint
CREATE TRIGGER "matter_events_append_only" BEFORE UPDATE OR DELETE ON "gridline"."matter_events"
  FOR EACH ROW EXECUTE FUNCTION "gridline"."matter_events_append_only"();
