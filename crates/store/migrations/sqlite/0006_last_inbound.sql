-- The latest customer message of a conversation, so that a customer message can tell
-- whether it opens a conversation-hour (the rollup counter active_hours). NULL for
-- conversations stored before; `earshot analytics rebuild` recounts from the messages.
ALTER TABLE conversations ADD COLUMN last_inbound_ms INTEGER;
