CREATE TABLE `usage_by_space` (
	`account_id` text NOT NULL,
	`space_id` text NOT NULL,
	`period` text NOT NULL,
	`free_used_ms` integer DEFAULT 0 NOT NULL,
	`overage_ms` integer DEFAULT 0 NOT NULL,
	`unbilled_ms` integer DEFAULT 0 NOT NULL,
	PRIMARY KEY(`account_id`, `period`, `space_id`)
);
--> statement-breakpoint
CREATE TABLE `usage_counters` (
	`account_id` text NOT NULL,
	`period` text NOT NULL,
	`free_used_ms` integer DEFAULT 0 NOT NULL,
	`overage_ms` integer DEFAULT 0 NOT NULL,
	`unbilled_ms` integer DEFAULT 0 NOT NULL,
	PRIMARY KEY(`account_id`, `period`)
);
--> statement-breakpoint
CREATE TABLE `usage_daily` (
	`account_id` text NOT NULL,
	`day` text NOT NULL,
	`free_used_ms` integer DEFAULT 0 NOT NULL,
	`overage_ms` integer DEFAULT 0 NOT NULL,
	`unbilled_ms` integer DEFAULT 0 NOT NULL,
	PRIMARY KEY(`account_id`, `day`)
);
--> statement-breakpoint
CREATE TABLE `usage_ledger` (
	`job_id` text NOT NULL,
	`slice` integer NOT NULL,
	`account_id` text NOT NULL,
	`space_id` text NOT NULL,
	`period` text NOT NULL,
	`day` text NOT NULL,
	`ms` integer NOT NULL,
	`free_ms` integer NOT NULL,
	`overage_ms` integer NOT NULL,
	`unbilled_ms` integer NOT NULL,
	`charged_at` integer NOT NULL,
	PRIMARY KEY(`job_id`, `slice`)
);
--> statement-breakpoint
CREATE INDEX `usage_ledger_by_period` ON `usage_ledger` (`account_id`,`period`);