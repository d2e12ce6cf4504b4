-- Stripe: one customer per account, saved payment methods, authorization-to-
-- charge consents, card/ACH payment attempts on the payments table, refunds,
-- and webhook events stored by id.

CREATE TABLE stripe_customers (
	account_id	BIGINT NOT NULL PRIMARY KEY,
	customer_id	VARCHAR(64) NOT NULL,
	created_at	BIGINT NOT NULL,
	UNIQUE KEY stripe_customers_customer (customer_id),
	CONSTRAINT stripe_customers_account FOREIGN KEY (account_id) REFERENCES accounts (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- Only Stripe ids and display details: never a card or account number.
CREATE TABLE payment_methods (
	id		BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
	account_id	BIGINT NOT NULL,
	stripe_pm_id	VARCHAR(64) NOT NULL,
	kind		ENUM('card', 'us_bank_account') NOT NULL,
	brand		VARCHAR(32) NOT NULL DEFAULT '',	-- visa, mastercard / bank name
	last4		CHAR(4) NOT NULL DEFAULT '',
	exp_month	INT NULL,
	exp_year	INT NULL,
	is_default	TINYINT NOT NULL DEFAULT 0,
	status		ENUM('active', 'removed') NOT NULL DEFAULT 'active',
	created_at	BIGINT NOT NULL,
	removed_at	BIGINT NULL,
	UNIQUE KEY payment_methods_stripe (stripe_pm_id),
	KEY payment_methods_account (account_id, status),
	CONSTRAINT payment_methods_account FOREIGN KEY (account_id) REFERENCES accounts (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE consents (
	id		BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
	account_id	BIGINT NOT NULL,
	payment_method_id BIGINT NOT NULL,
	scope		ENUM('any_balance', 'payment_plan', 'up_to_amount') NOT NULL,
	max_amount	BIGINT NULL,
	plan_id		BIGINT NULL,
	text_version	VARCHAR(32) NOT NULL,
	signer_name	VARCHAR(200) NOT NULL,
	signed_at	BIGINT NOT NULL,
	ip		VARCHAR(64) NOT NULL,
	user_agent	VARCHAR(255) NOT NULL,
	recorded_by	BIGINT NULL,		-- staff user, NULL when signed in the portal
	revoked_at	BIGINT NULL,
	revoked_by	BIGINT NULL,
	KEY consents_method (payment_method_id, revoked_at),
	CONSTRAINT consents_account FOREIGN KEY (account_id) REFERENCES accounts (id),
	CONSTRAINT consents_method FOREIGN KEY (payment_method_id) REFERENCES payment_methods (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- Card/ACH payments are attempts on the payments table: created 'pending'
-- before Stripe is called; attempt_key (from the form) makes a resubmitted
-- form find the same row; the Stripe Idempotency-Key derives from the row id.
ALTER TABLE payments
	ADD COLUMN attempt_key VARCHAR(64) NULL,
	ADD COLUMN stripe_payment_intent VARCHAR(64) NULL,
	ADD COLUMN stripe_status VARCHAR(32) NOT NULL DEFAULT '',
	ADD COLUMN payment_method_id BIGINT NULL,
	ADD COLUMN save_method TINYINT NOT NULL DEFAULT 0,
	ADD COLUMN failure_code VARCHAR(64) NOT NULL DEFAULT '',
	ADD COLUMN failure_message VARCHAR(500) NOT NULL DEFAULT '',
	ADD COLUMN disputed TINYINT NOT NULL DEFAULT 0,
	ADD COLUMN settled_at BIGINT NULL,
	ADD COLUMN alloc_plan VARCHAR(2000) NOT NULL DEFAULT '',	-- "auto" or "inv:amount,..." applied on success
	ADD UNIQUE KEY payments_attempt (attempt_key),
	ADD UNIQUE KEY payments_intent (stripe_payment_intent),
	ADD KEY payments_pending (status, created_at);

CREATE TABLE refunds (
	id		BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
	payment_id	BIGINT NOT NULL,
	amount		BIGINT NOT NULL,
	reason		VARCHAR(500) NOT NULL,
	status		ENUM('pending', 'succeeded', 'failed') NOT NULL,
	stripe_refund_id VARCHAR(64) NULL,
	created_by	BIGINT NULL,
	created_at	BIGINT NOT NULL,
	UNIQUE KEY refunds_stripe (stripe_refund_id),
	KEY refunds_payment (payment_id),
	CONSTRAINT refunds_payment FOREIGN KEY (payment_id) REFERENCES payments (id),
	CHECK (amount > 0)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- Webhook events: the id is the primary key, inserted in the same
-- transaction as the event's effect, so a duplicate changes nothing.
CREATE TABLE stripe_events (
	id		VARCHAR(64) NOT NULL PRIMARY KEY,
	type		VARCHAR(64) NOT NULL,
	object_id	VARCHAR(64) NOT NULL DEFAULT '',
	received_at	BIGINT NOT NULL,
	outcome		VARCHAR(200) NOT NULL DEFAULT '',
	KEY stripe_events_object (object_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
