ALTER TABLE `webhooks` ADD `previous_secret_ciphertext` text;--> statement-breakpoint
ALTER TABLE `webhooks` ADD `previous_secret_until` integer;