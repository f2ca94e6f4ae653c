-- The dispatcher's queue: pending entries in commit-independent id order. Built online.
ALTER TABLE code_events ADD INDEX ix_code_events_dispatch (dispatch_pending, id), ALGORITHM=INPLACE, LOCK=NONE
