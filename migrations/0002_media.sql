ALTER TABLE "lens_sessions" ADD COLUMN "room_id" bigint;--> statement-breakpoint
ALTER TABLE "lens_sessions" ADD COLUMN "room_secret" text;--> statement-breakpoint
ALTER TABLE "lens_sessions" ADD COLUMN "customer_left_at" timestamp with time zone;--> statement-breakpoint
CREATE INDEX "lens_sessions_customer_left_idx" ON "lens_sessions" USING btree ("customer_left_at") WHERE "lens_sessions"."customer_left_at" is not null;