-- Webhook inbox: stripe_events itself (the table keyed by event id) is the
-- inbox. POST /stripe/webhook verifies the signature and INSERTs the event
-- here (pending = 1, body kept) and answers 200 only once that INSERT has
-- committed; a duplicate id is refused by the primary key and answered as a
-- duplicate. The applier (billing-jobs, job webhook_apply) claims pending
-- rows with a lease written to the row (claimed_by, lease_until: on Galera
-- two nodes' claims conflict at certification), applies each in its own
-- transaction that writes pending = 0 on the row (so it is applied exactly
-- once however many runners), in order per subject (the payment intent, or
-- the object: by Stripe's created time, then arrival order seq). A failed
-- apply is retried later (attempts, last_error, lease_until = next try).
-- Rows from before this migration were applied when received: pending = 0.
ALTER TABLE stripe_events
	ADD COLUMN seq BIGINT NOT NULL AUTO_INCREMENT UNIQUE,
	ADD COLUMN subject VARCHAR(64) NOT NULL DEFAULT '',
	ADD COLUMN created BIGINT NOT NULL DEFAULT 0,
	ADD COLUMN pending TINYINT NOT NULL DEFAULT 0,
	ADD COLUMN body MEDIUMBLOB NULL,
	ADD COLUMN attempts INT NOT NULL DEFAULT 0,
	ADD COLUMN last_error VARCHAR(200) NOT NULL DEFAULT '',
	ADD COLUMN claimed_by VARCHAR(100) NULL,
	ADD COLUMN lease_until BIGINT NOT NULL DEFAULT 0,
	ADD COLUMN applied_at BIGINT NULL,
	ADD KEY stripe_events_pending (pending, created, seq),
	ADD KEY stripe_events_subject (subject, pending, created, seq);
