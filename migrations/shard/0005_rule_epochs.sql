CREATE TABLE `rule_epochs` (
	`space_id` text PRIMARY KEY NOT NULL,
	`epoch` integer NOT NULL
);
