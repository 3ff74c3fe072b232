CREATE TABLE `account_limits` (
	`account_id` text PRIMARY KEY NOT NULL,
	`free_seconds` integer DEFAULT 3600 NOT NULL,
	`pay_as_you_go` integer DEFAULT false NOT NULL,
	`parallel_limit` integer DEFAULT 10 NOT NULL,
	`price_per_second` real DEFAULT 0.0001 NOT NULL,
	`disabled` integer DEFAULT false NOT NULL,
	`updated_at` integer NOT NULL
);
--> statement-breakpoint
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
	`output` text NOT NULL,
	`output_ref` text
);
--> statement-breakpoint
CREATE TABLE `jobs` (
	`id` text PRIMARY KEY NOT NULL,
	`space_id` text NOT NULL,
	`account_id` text NOT NULL,
	`rule_id` text NOT NULL,
	`rule_alias` text,
	`rule_version` integer NOT NULL,
	`correlation_id` text NOT NULL,
	`idempotency_key` text,
	`request_hash` text,
	`used_api_key_id` text NOT NULL,
	`input` text NOT NULL,
	`input_ref` text,
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
	`execution_ms` integer DEFAULT 0 NOT NULL,
	`cancel_requested_at` integer,
	`quiet_since` integer GENERATED ALWAYS AS (max(coalesce(heartbeat_at, claimed_at, 0), coalesce(sleeping_until, 0))) VIRTUAL
);
--> statement-breakpoint
CREATE INDEX `jobs_by_space` ON `jobs` (`space_id`,`id`);--> statement-breakpoint
CREATE INDEX `jobs_by_space_state` ON `jobs` (`space_id`,`state`,`id`);--> statement-breakpoint
CREATE INDEX `jobs_by_rule_version` ON `jobs` (`rule_id`,`rule_version`,`id`);--> statement-breakpoint
CREATE INDEX `jobs_by_space_correlation` ON `jobs` (`space_id`,`correlation_id`);--> statement-breakpoint
CREATE INDEX `jobs_by_account_state` ON `jobs` (`account_id`,`state`,`id`);--> statement-breakpoint
CREATE INDEX `jobs_watch_quiet` ON `jobs` (`quiet_since`,`id`) WHERE state IN ('RUNNING', 'CANCELING');--> statement-breakpoint
CREATE INDEX `jobs_watch_canceling` ON `jobs` (`cancel_requested_at`,`id`) WHERE state = 'CANCELING';--> statement-breakpoint
CREATE INDEX `jobs_waiting_by_account` ON `jobs` (`account_id`,`id`) WHERE state = 'WAITING';--> statement-breakpoint
CREATE INDEX `jobs_by_ended_at` ON `jobs` (`ended_at`) WHERE ended_at IS NOT NULL;--> statement-breakpoint
CREATE UNIQUE INDEX `jobs_idempotency_per_space` ON `jobs` (`space_id`,`idempotency_key`) WHERE idempotency_key IS NOT NULL;--> statement-breakpoint
CREATE TABLE `purge_queue` (
	`job_id` text PRIMARY KEY NOT NULL,
	`runner` integer NOT NULL,
	`objects` text NOT NULL,
	`queued_at` integer NOT NULL
);
--> statement-breakpoint
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
CREATE INDEX `usage_ledger_by_period` ON `usage_ledger` (`account_id`,`period`);--> statement-breakpoint
CREATE TABLE `usage_purged` (
	`account_id` text NOT NULL,
	`space_id` text NOT NULL,
	`period` text NOT NULL,
	`ms` integer DEFAULT 0 NOT NULL,
	`free_ms` integer DEFAULT 0 NOT NULL,
	`overage_ms` integer DEFAULT 0 NOT NULL,
	`unbilled_ms` integer DEFAULT 0 NOT NULL,
	PRIMARY KEY(`account_id`, `period`, `space_id`)
);
--> statement-breakpoint
CREATE TABLE `watchdog_cursors` (
	`pass` text PRIMARY KEY NOT NULL,
	`position` text NOT NULL,
	`updated_at` integer NOT NULL
);
--> statement-breakpoint
CREATE TABLE `webhook_attempts` (
	`seq` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`delivery_id` text NOT NULL,
	`series` integer NOT NULL,
	`attempt` integer NOT NULL,
	`at` integer NOT NULL,
	`status_code` integer,
	`duration_ms` integer NOT NULL,
	`error` text,
	`response_snippet` text
);
--> statement-breakpoint
CREATE UNIQUE INDEX `webhook_attempts_once` ON `webhook_attempts` (`delivery_id`,`series`,`attempt`);--> statement-breakpoint
CREATE TABLE `webhook_deliveries` (
	`id` text PRIMARY KEY NOT NULL,
	`webhook_id` text NOT NULL,
	`space_id` text NOT NULL,
	`job_id` text NOT NULL,
	`event_type` text NOT NULL,
	`status` text NOT NULL,
	`attempts` integer DEFAULT 0 NOT NULL,
	`series` integer DEFAULT 1 NOT NULL,
	`last_status_code` integer,
	`next_attempt_at` integer,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `webhook_deliveries_once` ON `webhook_deliveries` (`job_id`,`webhook_id`);--> statement-breakpoint
CREATE INDEX `webhook_deliveries_by_webhook` ON `webhook_deliveries` (`webhook_id`,`id`);--> statement-breakpoint
CREATE INDEX `webhook_deliveries_by_status` ON `webhook_deliveries` (`status`,`next_attempt_at`);