CREATE TABLE "quality_samples" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"session_id" uuid NOT NULL,
	"at" timestamp with time zone NOT NULL,
	"bitrate_kbps" double precision,
	"fps" double precision,
	"width" integer,
	"height" integer,
	"rtt_ms" double precision,
	"loss_percent" double precision,
	"jitter_ms" double precision
);
--> statement-breakpoint
CREATE TABLE "recordings" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"session_id" uuid NOT NULL,
	"status" text NOT NULL,
	"started_at" timestamp with time zone NOT NULL,
	"ended_at" timestamp with time zone,
	"raw_dir" text NOT NULL,
	"file" text,
	"duration_ms" integer,
	"bytes" bigint,
	"sha256" text,
	"error" text,
	"converted_at" timestamp with time zone,
	CONSTRAINT "recordings_session_id_unique" UNIQUE("session_id"),
	CONSTRAINT "recordings_status_check" CHECK ("recordings"."status" in ('recording', 'converting', 'ready', 'failed'))
);
--> statement-breakpoint
ALTER TABLE "audit_log" ADD COLUMN "details_sha256" text;--> statement-breakpoint
ALTER TABLE "audit_log" ADD COLUMN "prev_hash" text;--> statement-breakpoint
ALTER TABLE "audit_log" ADD COLUMN "hash" text;--> statement-breakpoint
ALTER TABLE "audit_log" ADD COLUMN "redacted_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "lens_sessions" ADD COLUMN "reference" text;--> statement-breakpoint
ALTER TABLE "lens_sessions" ADD COLUMN "customer_user_agent" text;--> statement-breakpoint
ALTER TABLE "lens_sessions" ADD COLUMN "recorded" boolean DEFAULT false NOT NULL;--> statement-breakpoint
ALTER TABLE "lens_sessions" ADD COLUMN "notes" text DEFAULT '' NOT NULL;--> statement-breakpoint
ALTER TABLE "lens_sessions" ADD COLUMN "notes_updated_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "lens_sessions" ADD COLUMN "notes_updated_by" uuid;--> statement-breakpoint
ALTER TABLE "lens_sessions" ADD COLUMN "phone_removed_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "quality_samples" ADD CONSTRAINT "quality_samples_session_id_lens_sessions_id_fk" FOREIGN KEY ("session_id") REFERENCES "public"."lens_sessions"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "recordings" ADD CONSTRAINT "recordings_session_id_lens_sessions_id_fk" FOREIGN KEY ("session_id") REFERENCES "public"."lens_sessions"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "quality_samples_session_idx" ON "quality_samples" USING btree ("session_id","at");--> statement-breakpoint
CREATE INDEX "audit_log_subject_idx" ON "audit_log" USING btree ("subject_type","subject_id","id");--> statement-breakpoint
CREATE INDEX "audit_log_actor_idx" ON "audit_log" USING btree ("actor_id","id");--> statement-breakpoint
CREATE INDEX "lens_sessions_ended_idx" ON "lens_sessions" USING btree ("ended_at","id") WHERE "lens_sessions"."ended_at" is not null;--> statement-breakpoint
CREATE INDEX "lens_sessions_phone_idx" ON "lens_sessions" USING btree ("phone") WHERE "lens_sessions"."phone" is not null;