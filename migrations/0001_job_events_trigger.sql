-- Every job state change is recorded in the timeline in the same statement that makes it:
-- D1 has no interactive transactions, and a trigger keeps the event atomic with the transition.
CREATE TRIGGER `job_created_event` AFTER INSERT ON `jobs`
BEGIN
  INSERT INTO `job_events` (`job_id`, `at`, `state`, `status_code`, `description`)
  VALUES (NEW.`id`, NEW.`updated_at`, NEW.`state`, NEW.`status_code`, NEW.`transition_note`);
END;
--> statement-breakpoint
CREATE TRIGGER `job_state_event` AFTER UPDATE OF `state` ON `jobs`
WHEN OLD.`state` <> NEW.`state`
BEGIN
  INSERT INTO `job_events` (`job_id`, `at`, `state`, `status_code`, `description`)
  VALUES (NEW.`id`, NEW.`updated_at`, NEW.`state`, NEW.`status_code`, NEW.`transition_note`);
END;
