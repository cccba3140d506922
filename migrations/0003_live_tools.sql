CREATE TABLE "chat_messages" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"session_id" uuid NOT NULL,
	"from" text NOT NULL,
	"text" text NOT NULL,
	"sent_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "chat_messages_from_check" CHECK ("chat_messages"."from" in ('technician', 'customer'))
);
--> statement-breakpoint
CREATE TABLE "snapshots" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"session_id" uuid NOT NULL,
	"status" text NOT NULL,
	"requested_at" timestamp with time zone DEFAULT now() NOT NULL,
	"taken_at" timestamp with time zone,
	"width" integer,
	"height" integer,
	"bytes" integer,
	"sha256" text,
	"content_type" text,
	"frozen" boolean DEFAULT false NOT NULL,
	"source_id" uuid,
	"error" text,
	CONSTRAINT "snapshots_status_check" CHECK ("snapshots"."status" in ('requested', 'stored', 'failed'))
);
--> statement-breakpoint
ALTER TABLE "chat_messages" ADD CONSTRAINT "chat_messages_session_id_lens_sessions_id_fk" FOREIGN KEY ("session_id") REFERENCES "public"."lens_sessions"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "snapshots" ADD CONSTRAINT "snapshots_session_id_lens_sessions_id_fk" FOREIGN KEY ("session_id") REFERENCES "public"."lens_sessions"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "chat_messages_session_idx" ON "chat_messages" USING btree ("session_id","sent_at");--> statement-breakpoint
CREATE INDEX "snapshots_session_idx" ON "snapshots" USING btree ("session_id","requested_at");