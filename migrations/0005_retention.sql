CREATE TABLE `runner_purges` (
	`job_id` text PRIMARY KEY NOT NULL,
	`queued_at` integer NOT NULL
);
--> statement-breakpoint
CREATE INDEX `jobs_by_ended_at` ON `jobs` (`ended_at`) WHERE ended_at IS NOT NULL;