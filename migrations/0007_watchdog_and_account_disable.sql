CREATE TABLE `watchdog_cursors` (
	`pass` text PRIMARY KEY NOT NULL,
	`position` text NOT NULL,
	`updated_at` integer NOT NULL
);
--> statement-breakpoint
ALTER TABLE `accounts` ADD `disabled` integer DEFAULT false NOT NULL;--> statement-breakpoint
ALTER TABLE `jobs` ADD `cancel_requested_at` integer;--> statement-breakpoint
ALTER TABLE `jobs` ADD `quiet_since` integer GENERATED ALWAYS AS (max(coalesce(heartbeat_at, claimed_at, 0), coalesce(sleeping_until, 0))) VIRTUAL;--> statement-breakpoint
CREATE INDEX `jobs_watch_quiet` ON `jobs` (`quiet_since`,`id`) WHERE state IN ('RUNNING', 'CANCELING');--> statement-breakpoint
CREATE INDEX `jobs_watch_canceling` ON `jobs` (`cancel_requested_at`,`id`) WHERE state = 'CANCELING';--> statement-breakpoint
CREATE INDEX `jobs_waiting_by_account` ON `jobs` (`account_id`,`id`) WHERE state = 'WAITING';--> statement-breakpoint
-- Jobs already CANCELING when this runs: their request time is unknown; the last update is the closest.
UPDATE `jobs` SET `cancel_requested_at` = `updated_at` WHERE state = 'CANCELING';