CREATE TABLE `webhook_epoch_checks` (
	`space_id` text NOT NULL,
	`epoch` integer NOT NULL
);
--> statement-breakpoint
CREATE TABLE `webhook_epochs` (
	`space_id` text PRIMARY KEY NOT NULL,
	`epoch` integer NOT NULL
);
