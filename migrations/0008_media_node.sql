ALTER TABLE "lens_sessions" ADD COLUMN "media_node" text;--> statement-breakpoint
ALTER TABLE "recordings" ADD COLUMN "converting_node" text;