-- 0018: the purge of finished notifications (--notification-retention)
-- takes the oldest notifications first and, with each, its deliveries and
-- their attempts: an index to find the oldest, and one to find a
-- notification's deliveries (also what the deliveries' foreign key checks
-- when a notification is deleted).
CREATE INDEX notifications_occurred ON notifications (occurred_at, id);
CREATE INDEX notification_deliveries_notification ON notification_deliveries (notification_id);
