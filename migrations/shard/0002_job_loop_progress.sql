ALTER TABLE `jobs` ADD `loop_node` text;--> statement-breakpoint
ALTER TABLE `jobs` ADD `loop_index` integer;--> statement-breakpoint
ALTER TABLE `jobs` ADD `loop_length` integer;