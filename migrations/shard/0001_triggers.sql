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
--> statement-breakpoint
-- A charge moves the counters only when its ledger row is inserted: a repeated charge (a row of
-- the job keyed at or after its slice exists) inserts nothing and so fires nothing. One statement, atomic.
CREATE TRIGGER `usage_ledger_counts` AFTER INSERT ON `usage_ledger`
BEGIN
  INSERT INTO `usage_counters` (`account_id`, `period`, `free_used_ms`, `overage_ms`, `unbilled_ms`)
  VALUES (NEW.`account_id`, NEW.`period`, NEW.`free_ms`, NEW.`overage_ms`, NEW.`unbilled_ms`)
  ON CONFLICT (`account_id`, `period`) DO UPDATE SET
    `free_used_ms` = `free_used_ms` + excluded.`free_used_ms`,
    `overage_ms` = `overage_ms` + excluded.`overage_ms`,
    `unbilled_ms` = `unbilled_ms` + excluded.`unbilled_ms`;
  INSERT INTO `usage_by_space` (`account_id`, `space_id`, `period`, `free_used_ms`, `overage_ms`, `unbilled_ms`)
  VALUES (NEW.`account_id`, NEW.`space_id`, NEW.`period`, NEW.`free_ms`, NEW.`overage_ms`, NEW.`unbilled_ms`)
  ON CONFLICT (`account_id`, `period`, `space_id`) DO UPDATE SET
    `free_used_ms` = `free_used_ms` + excluded.`free_used_ms`,
    `overage_ms` = `overage_ms` + excluded.`overage_ms`,
    `unbilled_ms` = `unbilled_ms` + excluded.`unbilled_ms`;
  INSERT INTO `usage_daily` (`account_id`, `day`, `free_used_ms`, `overage_ms`, `unbilled_ms`)
  VALUES (NEW.`account_id`, NEW.`day`, NEW.`free_ms`, NEW.`overage_ms`, NEW.`unbilled_ms`)
  ON CONFLICT (`account_id`, `day`) DO UPDATE SET
    `free_used_ms` = `free_used_ms` + excluded.`free_used_ms`,
    `overage_ms` = `overage_ms` + excluded.`overage_ms`,
    `unbilled_ms` = `unbilled_ms` + excluded.`unbilled_ms`;
END;
