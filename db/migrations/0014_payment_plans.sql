-- Payment plans: a schedule of installments paying a set of open invoices
-- (or an amount of what the account / client has open), sent to the client
-- portal to be signed, edited at any stage (every edit is a new version).
--
-- Practice limits (Settings): one row, id = 1. 0 = no limit.
CREATE TABLE plan_settings (
	id			TINYINT NOT NULL PRIMARY KEY,
	min_installment		BIGINT NOT NULL DEFAULT 0,	-- cents
	max_installments	INT NOT NULL DEFAULT 0,
	min_down_bp		INT NOT NULL DEFAULT 0,		-- basis points of the total
	updated_by		BIGINT NULL,
	updated_at		BIGINT NOT NULL DEFAULT 0,
	CHECK (id = 1),
	CHECK (min_installment >= 0 AND max_installments >= 0),
	CHECK (min_down_bp BETWEEN 0 AND 10000)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
INSERT INTO plan_settings (id, min_installment, max_installments, min_down_bp)
	VALUES (1, 2500, 36, 0);

CREATE TABLE payment_plans (
	id			BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
	account_id		BIGINT NOT NULL,
	client_id		BIGINT NULL,
	status			ENUM('draft', 'sent', 'active', 'paused', 'past_due',
				    'completed', 'cancelled') NOT NULL DEFAULT 'draft',
	basis			ENUM('invoices', 'amount') NOT NULL,
	total			BIGINT NOT NULL,	-- covered when the plan was made
	down_payment		BIGINT NOT NULL DEFAULT 0,
	installments		INT NOT NULL DEFAULT 0,	-- the terms as given:
	installment_amount	BIGINT NOT NULL DEFAULT 0,	-- one of these two
	frequency		ENUM('weekly', 'biweekly', 'semimonthly', 'monthly') NOT NULL,
	day_of_month		TINYINT NOT NULL DEFAULT 0,
	start_date		DATE NOT NULL,
	payment_method_id	BIGINT NULL,
	autopay			TINYINT NOT NULL DEFAULT 0,
	version			INT NOT NULL DEFAULT 1,
	override_reason		VARCHAR(500) NOT NULL DEFAULT '',
	sent_at			BIGINT NULL,
	accepted_at		BIGINT NULL,
	status_before_pause	VARCHAR(16) NOT NULL DEFAULT '',
	created_by		BIGINT NULL,
	created_at		BIGINT NOT NULL,
	updated_at		BIGINT NOT NULL,
	KEY payment_plans_account (account_id, id),
	KEY payment_plans_client (client_id, id),
	KEY payment_plans_status (status, id),
	CONSTRAINT payment_plans_account FOREIGN KEY (account_id) REFERENCES accounts (id),
	CONSTRAINT payment_plans_client FOREIGN KEY (client_id) REFERENCES clients (id),
	CONSTRAINT payment_plans_method FOREIGN KEY (payment_method_id) REFERENCES payment_methods (id),
	CHECK (total > 0 AND down_payment >= 0 AND down_payment <= total)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE payment_plan_invoices (
	plan_id			BIGINT NOT NULL,
	invoice_id		BIGINT NOT NULL,
	added_in_version	INT NOT NULL,
	PRIMARY KEY (plan_id, invoice_id),
	KEY payment_plan_invoices_invoice (invoice_id),
	CONSTRAINT ppi_plan FOREIGN KEY (plan_id) REFERENCES payment_plans (id),
	CONSTRAINT ppi_invoice FOREIGN KEY (invoice_id) REFERENCES invoices (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- Every edit is a version: who, when, what changed, the schedule and the
-- consent text as they were; the client's signature when it was signed.
CREATE TABLE payment_plan_versions (
	id			BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
	plan_id			BIGINT NOT NULL,
	version			INT NOT NULL,
	actor_kind		VARCHAR(8) NOT NULL,
	actor_id		BIGINT NULL,
	created_at		BIGINT NOT NULL,
	changes			TEXT NOT NULL,		-- "what changed", one line each
	schedule		TEXT NOT NULL,		-- "n:YYYY-MM-DD:cents:status" lines
	consent_text		TEXT NOT NULL,
	signed_name		VARCHAR(200) NULL,
	signed_at		BIGINT NULL,
	signed_ip		VARCHAR(64) NULL,
	signed_user_agent	VARCHAR(255) NULL,
	UNIQUE KEY payment_plan_versions_plan (plan_id, version),
	CONSTRAINT ppv_plan FOREIGN KEY (plan_id) REFERENCES payment_plans (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- Installments. number 0 is the down payment. The job runner (autopay, a
-- later change) claims due rows with a lease: claimed_by / lease_until,
-- attempts counted for the per-attempt idempotency key and dunning.
CREATE TABLE payment_plan_installments (
	id			BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
	plan_id			BIGINT NOT NULL,
	number			INT NOT NULL,
	due_date		DATE NOT NULL,
	amount			BIGINT NOT NULL,
	status			ENUM('scheduled', 'processing', 'paid', 'skipped',
				    'cancelled') NOT NULL DEFAULT 'scheduled',
	payment_id		BIGINT NULL,
	paid_at			BIGINT NULL,
	claimed_by		VARCHAR(100) NULL,
	lease_until		BIGINT NULL,
	attempts		INT NOT NULL DEFAULT 0,
	last_attempt_at		BIGINT NULL,
	UNIQUE KEY ppin_plan_number (plan_id, number),
	KEY ppin_due (status, due_date, id),
	KEY ppin_payment (payment_id),
	CONSTRAINT ppin_plan FOREIGN KEY (plan_id) REFERENCES payment_plans (id),
	CONSTRAINT ppin_payment FOREIGN KEY (payment_id) REFERENCES payments (id),
	CHECK (amount >= 0)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
