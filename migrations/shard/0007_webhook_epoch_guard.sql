-- The guard of a final batch written with a space's remembered webhook endpoints: inserting
-- (space, epoch) aborts the whole batch (a batch is one transaction) when the space's webhook epoch
-- has moved on since the endpoints were read, and otherwise is dropped, so the table stays empty.
CREATE TRIGGER `webhook_epoch_check` BEFORE INSERT ON `webhook_epoch_checks`
BEGIN
  SELECT RAISE(ABORT, 'webhook endpoints changed')
  WHERE coalesce((SELECT `epoch` FROM `webhook_epochs` WHERE `space_id` = NEW.`space_id`), 0) <> NEW.`epoch`;
  SELECT RAISE(IGNORE);
END;
