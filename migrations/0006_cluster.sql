CREATE TABLE "cluster_messages" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"payload" jsonb NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "loupe_nodes" (
	"id" text PRIMARY KEY NOT NULL,
	"host" text NOT NULL,
	"pid" integer NOT NULL,
	"started_at" timestamp with time zone DEFAULT now() NOT NULL,
	"seen_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "lens_sessions" ADD COLUMN "customer_node" text;--> statement-breakpoint
ALTER TABLE "sms_messages" ADD COLUMN "claimed_by" text;--> statement-breakpoint
ALTER TABLE "email_messages" ADD COLUMN "claimed_by" text;