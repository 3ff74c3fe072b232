CREATE TABLE `accounts` (
	`id` text PRIMARY KEY NOT NULL,
	`name` text NOT NULL,
	`free_seconds` integer DEFAULT 3600 NOT NULL,
	`pay_as_you_go` integer DEFAULT false NOT NULL,
	`parallel_limit` integer DEFAULT 10 NOT NULL,
	`price_per_second` real DEFAULT 0.0001 NOT NULL,
	`created_at` integer NOT NULL
);
--> statement-breakpoint
CREATE TABLE `api_keys` (
	`id` text PRIMARY KEY NOT NULL,
	`space_id` text NOT NULL,
	`account_id` text NOT NULL,
	`kind` text NOT NULL,
	`name` text NOT NULL,
	`secret_hash` text NOT NULL,
	`created_at` integer NOT NULL,
	`revoked_at` integer,
	FOREIGN KEY (`space_id`) REFERENCES `spaces`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `api_keys_by_space` ON `api_keys` (`space_id`);--> statement-breakpoint
CREATE TABLE `job_events` (
	`seq` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`job_id` text NOT NULL,
	`at` integer NOT NULL,
	`state` text NOT NULL,
	`status_code` text NOT NULL,
	`description` text NOT NULL
);
--> statement-breakpoint
CREATE INDEX `job_events_by_job` ON `job_events` (`job_id`,`seq`);--> statement-breakpoint
CREATE TABLE `job_outputs` (
	`job_id` text PRIMARY KEY NOT NULL,
	`output` text NOT NULL
);
--> statement-breakpoint
CREATE TABLE `jobs` (
	`id` text PRIMARY KEY NOT NULL,
	`space_id` text NOT NULL,
	`account_id` text NOT NULL,
	`rule_id` text NOT NULL,
	`rule_version` integer NOT NULL,
	`correlation_id` text NOT NULL,
	`idempotency_key` text,
	`request_hash` text,
	`used_api_key_id` text NOT NULL,
	`input` text NOT NULL,
	`state` text NOT NULL,
	`status_code` text NOT NULL,
	`status_message` text NOT NULL,
	`transition_note` text NOT NULL,
	`error` text,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL,
	`claimed_at` integer,
	`ended_at` integer,
	`heartbeat_at` integer,
	`sleeping_until` integer,
	`steps` integer DEFAULT 0 NOT NULL,
	`current_node` text,
	`execution_ms` integer DEFAULT 0 NOT NULL
);
--> statement-breakpoint
CREATE INDEX `jobs_by_space` ON `jobs` (`space_id`,`id`);--> statement-breakpoint
CREATE INDEX `jobs_by_space_state` ON `jobs` (`space_id`,`state`,`id`);--> statement-breakpoint
CREATE INDEX `jobs_by_rule_version` ON `jobs` (`rule_id`,`rule_version`,`id`);--> statement-breakpoint
CREATE INDEX `jobs_by_space_correlation` ON `jobs` (`space_id`,`correlation_id`);--> statement-breakpoint
CREATE INDEX `jobs_by_account_state` ON `jobs` (`account_id`,`state`,`id`);--> statement-breakpoint
CREATE UNIQUE INDEX `jobs_idempotency_per_space` ON `jobs` (`space_id`,`idempotency_key`) WHERE idempotency_key IS NOT NULL;--> statement-breakpoint
CREATE TABLE `rule_versions` (
	`rule_id` text NOT NULL,
	`version` integer NOT NULL,
	`status` text NOT NULL,
	`definition` text NOT NULL,
	`created_at` integer NOT NULL,
	`published_at` integer,
	PRIMARY KEY(`rule_id`, `version`),
	FOREIGN KEY (`rule_id`) REFERENCES `rules`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE TABLE `rules` (
	`id` text PRIMARY KEY NOT NULL,
	`space_id` text NOT NULL,
	`name` text NOT NULL,
	`alias` text,
	`type` text NOT NULL,
	`latest_version` integer NOT NULL,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL,
	FOREIGN KEY (`space_id`) REFERENCES `spaces`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `rules_alias_per_space` ON `rules` (`space_id`,`alias`);--> statement-breakpoint
CREATE INDEX `rules_by_space` ON `rules` (`space_id`,`id`);--> statement-breakpoint
CREATE TABLE `spaces` (
	`id` text PRIMARY KEY NOT NULL,
	`account_id` text NOT NULL,
	`name` text NOT NULL,
	`created_at` integer NOT NULL,
	FOREIGN KEY (`account_id`) REFERENCES `accounts`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `spaces_by_account` ON `spaces` (`account_id`);