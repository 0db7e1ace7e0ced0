CREATE TABLE "gridline"."rate_buckets" (
	"key" text PRIMARY KEY NOT NULL,
	"tat" double precision NOT NULL,
	"wait_ms" double precision DEFAULT 0 NOT NULL
);
