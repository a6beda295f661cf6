-- The first bytes of a webhook receiver's answer to each attempt, shown by the dashboard.
ALTER TABLE delivery_attempts ADD COLUMN response TEXT NOT NULL DEFAULT '';
