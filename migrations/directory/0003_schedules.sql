CREATE TABLE `schedules` (
	`id` text PRIMARY KEY NOT NULL,
	`space_id` text NOT NULL,
	`name` text NOT NULL,
	`flow` text NOT NULL,
	`rule_id` text NOT NULL,
	`version` integer,
	`cron` text NOT NULL,
	`timezone` text NOT NULL,
	`input` text NOT NULL,
	`enabled` integer NOT NULL,
	`next_run_at` integer,
	`last_run_at` integer,
	`last_job_id` text,
	`last_error` text,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL,
	FOREIGN KEY (`space_id`) REFERENCES `spaces`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `schedules_by_space` ON `schedules` (`space_id`,`id`);--> statement-breakpoint
CREATE INDEX `schedules_due` ON `schedules` (`next_run_at`) WHERE "schedules"."next_run_at" IS NOT NULL;