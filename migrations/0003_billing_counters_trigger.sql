-- A charge moves the counters only when its ledger row is inserted: a repeated charge of the same
-- (job, slice) is ignored by the ledger's primary key and so fires nothing. One statement, atomic.
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
