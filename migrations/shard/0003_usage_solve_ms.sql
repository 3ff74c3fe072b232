ALTER TABLE `usage_by_space` ADD `solve_ms` integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE `usage_counters` ADD `solve_ms` integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE `usage_daily` ADD `solve_ms` integer DEFAULT 0 NOT NULL;