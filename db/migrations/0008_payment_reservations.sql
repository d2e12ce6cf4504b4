-- Reserve, then charge (issue 9). A card/ACH attempt records what it pays
-- when it is created, in the short transaction that locks the account and
-- its invoices: one row per invoice (invoice_id NULL: money kept as account
-- credit). A reservation holds while its payment is 'pending' (Stripe's
-- requires_payment_method/_confirmation/_action or processing); a failed or
-- canceled payment releases it, a succeeded one has become allocations.
CREATE TABLE payment_reservations (
	id		BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
	payment_id	BIGINT NOT NULL,
	account_id	BIGINT NOT NULL,
	invoice_id	BIGINT NULL,
	amount		BIGINT NOT NULL,
	created_at	BIGINT NOT NULL,
	KEY payment_reservations_payment (payment_id),
	KEY payment_reservations_invoice (invoice_id, payment_id),
	KEY payment_reservations_account (account_id, payment_id),
	CONSTRAINT payment_reservations_payment FOREIGN KEY (payment_id) REFERENCES payments (id),
	CONSTRAINT payment_reservations_account FOREIGN KEY (account_id) REFERENCES accounts (id),
	CONSTRAINT payment_reservations_invoice FOREIGN KEY (invoice_id) REFERENCES invoices (id),
	CHECK (amount > 0)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- Two-phase PaymentIntent creation: the worker that set intent_claimed_at
-- (in a short transaction) calls Stripe, outside any transaction; the
-- others answer from the row once the outcome is recorded. A claim older
-- than the Stripe timeout is taken over (same Idempotency-Key: a replay).
ALTER TABLE payments ADD COLUMN intent_claimed_at BIGINT NULL;

-- Bumped by every reservation of the account: the write that makes two
-- reservations on two Galera nodes conflict at certification (a row lock
-- taken on one node does not block the other).
ALTER TABLE accounts ADD COLUMN reservation_seq BIGINT NOT NULL DEFAULT 0;
