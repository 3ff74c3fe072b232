DROP INDEX `jobs_by_ended_at`;--> statement-breakpoint
CREATE INDEX `jobs_by_account_ended` ON `jobs` (`account_id`,`ended_at`) WHERE ended_at IS NOT NULL;--> statement-breakpoint
ALTER TABLE `account_limits` ADD `retention_days` integer;