-- The ledger trigger also counts solves (POST /rule/solve) into `solve_ms`: a solve's ledger row is
-- keyed `solve:<request id>` (worker/billing/solve.ts), so the same one statement that splits its
-- time into free/overage/unbilled moves its own line too. SQLite cannot alter a trigger: replace it.
DROP TRIGGER IF EXISTS `usage_ledger_counts`;
--> statement-breakpoint
CREATE TRIGGER `usage_ledger_counts` AFTER INSERT ON `usage_ledger`
BEGIN
  INSERT INTO `usage_counters` (`account_id`, `period`, `free_used_ms`, `overage_ms`, `unbilled_ms`, `solve_ms`)
  VALUES (NEW.`account_id`, NEW.`period`, NEW.`free_ms`, NEW.`overage_ms`, NEW.`unbilled_ms`,
          CASE WHEN NEW.`job_id` LIKE 'solve:%' THEN NEW.`ms` ELSE 0 END)
  ON CONFLICT (`account_id`, `period`) DO UPDATE SET
    `free_used_ms` = `free_used_ms` + excluded.`free_used_ms`,
    `overage_ms` = `overage_ms` + excluded.`overage_ms`,
    `unbilled_ms` = `unbilled_ms` + excluded.`unbilled_ms`,
    `solve_ms` = `solve_ms` + excluded.`solve_ms`;
  INSERT INTO `usage_by_space` (`account_id`, `space_id`, `period`, `free_used_ms`, `overage_ms`, `unbilled_ms`, `solve_ms`)
  VALUES (NEW.`account_id`, NEW.`space_id`, NEW.`period`, NEW.`free_ms`, NEW.`overage_ms`, NEW.`unbilled_ms`,
          CASE WHEN NEW.`job_id` LIKE 'solve:%' THEN NEW.`ms` ELSE 0 END)
  ON CONFLICT (`account_id`, `period`, `space_id`) DO UPDATE SET
    `free_used_ms` = `free_used_ms` + excluded.`free_used_ms`,
    `overage_ms` = `overage_ms` + excluded.`overage_ms`,
    `unbilled_ms` = `unbilled_ms` + excluded.`unbilled_ms`,
    `solve_ms` = `solve_ms` + excluded.`solve_ms`;
  INSERT INTO `usage_daily` (`account_id`, `day`, `free_used_ms`, `overage_ms`, `unbilled_ms`, `solve_ms`)
  VALUES (NEW.`account_id`, NEW.`day`, NEW.`free_ms`, NEW.`overage_ms`, NEW.`unbilled_ms`,
          CASE WHEN NEW.`job_id` LIKE 'solve:%' THEN NEW.`ms` ELSE 0 END)
  ON CONFLICT (`account_id`, `day`) DO UPDATE SET
    `free_used_ms` = `free_used_ms` + excluded.`free_used_ms`,
    `overage_ms` = `overage_ms` + excluded.`overage_ms`,
    `unbilled_ms` = `unbilled_ms` + excluded.`unbilled_ms`,
    `solve_ms` = `solve_ms` + excluded.`solve_ms`;
END;
