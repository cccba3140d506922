CREATE TABLE "lens_sessions" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"technician_id" uuid NOT NULL,
	"name" text NOT NULL,
	"state" text NOT NULL,
	"method" text NOT NULL,
	"phone" text,
	"language" text NOT NULL,
	"pin" text,
	"pin_expires_at" timestamp with time zone NOT NULL,
	"link_token" text,
	"link_token_hash" text NOT NULL,
	"customer_token_hash" text,
	"live_slot" integer,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	"opened_at" timestamp with time zone,
	"eula_accepted_at" timestamp with time zone,
	"started_at" timestamp with time zone,
	"ended_at" timestamp with time zone,
	"end_reason" text,
	CONSTRAINT "lens_sessions_customer_token_hash_unique" UNIQUE("customer_token_hash"),
	CONSTRAINT "lens_sessions_state_check" CHECK ("lens_sessions"."state" in ('invited', 'connecting', 'waiting', 'active', 'on_hold', 'closed', 'expired', 'timed_out')),
	CONSTRAINT "lens_sessions_method_check" CHECK ("lens_sessions"."method" in ('sms', 'link'))
);
--> statement-breakpoint
CREATE TABLE "settings" (
	"key" text PRIMARY KEY NOT NULL,
	"value" jsonb NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "sms_messages" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"session_id" uuid NOT NULL,
	"to" text NOT NULL,
	"text" text NOT NULL,
	"status" text DEFAULT 'queued' NOT NULL,
	"attempts" integer DEFAULT 0 NOT NULL,
	"next_attempt_at" timestamp with time zone DEFAULT now() NOT NULL,
	"message_ids" text[] DEFAULT '{}'::text[] NOT NULL,
	"delivered_ids" text[] DEFAULT '{}'::text[] NOT NULL,
	"error" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	"sent_at" timestamp with time zone,
	"delivered_at" timestamp with time zone,
	CONSTRAINT "sms_messages_status_check" CHECK ("sms_messages"."status" in ('queued', 'sending', 'sent', 'delivered', 'failed'))
);
--> statement-breakpoint
ALTER TABLE "lens_sessions" ADD CONSTRAINT "lens_sessions_technician_id_technicians_id_fk" FOREIGN KEY ("technician_id") REFERENCES "public"."technicians"("id") ON DELETE restrict ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "sms_messages" ADD CONSTRAINT "sms_messages_session_id_lens_sessions_id_fk" FOREIGN KEY ("session_id") REFERENCES "public"."lens_sessions"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "lens_sessions_live_pin_idx" ON "lens_sessions" USING btree ("pin") WHERE "lens_sessions"."pin" is not null;--> statement-breakpoint
CREATE UNIQUE INDEX "lens_sessions_live_link_idx" ON "lens_sessions" USING btree ("link_token") WHERE "lens_sessions"."link_token" is not null;--> statement-breakpoint
CREATE UNIQUE INDEX "lens_sessions_live_slot_idx" ON "lens_sessions" USING btree ("technician_id","live_slot") WHERE "lens_sessions"."live_slot" is not null;--> statement-breakpoint
CREATE INDEX "lens_sessions_technician_idx" ON "lens_sessions" USING btree ("technician_id","created_at");--> statement-breakpoint
CREATE INDEX "lens_sessions_pin_expiry_idx" ON "lens_sessions" USING btree ("pin_expires_at") WHERE "lens_sessions"."state" = 'invited';--> statement-breakpoint
CREATE INDEX "sms_messages_due_idx" ON "sms_messages" USING btree ("next_attempt_at") WHERE "sms_messages"."status" = 'queued';--> statement-breakpoint
CREATE INDEX "sms_messages_session_idx" ON "sms_messages" USING btree ("session_id","created_at");--> statement-breakpoint
CREATE INDEX "sms_messages_message_ids_idx" ON "sms_messages" USING gin ("message_ids");