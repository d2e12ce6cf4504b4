-- Reconcile looks at the pending card and ACH payments it checked longest
-- ago first (then by id), so ACH payments that stay `processing` for days
-- cannot hide a newer stuck card payment behind its batch limit.
-- 0 = never checked. Each run stamps the rows it takes before asking
-- Stripe, which also keeps two runners from checking the same row at once.
ALTER TABLE payments
	ADD COLUMN checked_at BIGINT NOT NULL DEFAULT 0,
	ADD KEY payments_reconcile (status, checked_at, id);
