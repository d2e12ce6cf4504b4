-- Statements on a schedule (issue 10): a practice-wide default (one row,
-- id = 1) and per-account overrides; each run of an account's period is
-- claimed once by the row (account_id, period_key), so two job runners
-- never generate or send the same period twice.
--   cadence monthly: on day_of_month (29-31 fall back to the month's end),
--                    period_key 'M2027-01'
--   cadence weekly:  every every_weeks weeks from anchor_date,
--                    period_key 'W2027-01-04'
-- A statement is made only when the account's balance is above min_balance.
CREATE TABLE statement_schedule_settings (
	id		TINYINT NOT NULL PRIMARY KEY,
	enabled		TINYINT NOT NULL DEFAULT 0,
	cadence		ENUM('monthly', 'weekly') NOT NULL DEFAULT 'monthly',
	day_of_month	TINYINT NOT NULL DEFAULT 1,
	every_weeks	TINYINT NOT NULL DEFAULT 4,
	anchor_date	DATE NOT NULL DEFAULT '2026-01-05',
	min_balance	BIGINT NOT NULL DEFAULT 0,	-- cents; statement when balance > it
	deliver_email	TINYINT NOT NULL DEFAULT 1,
	updated_by	BIGINT NULL,
	updated_at	BIGINT NOT NULL DEFAULT 0,
	CHECK (id = 1),
	CHECK (day_of_month BETWEEN 1 AND 31 AND every_weeks BETWEEN 1 AND 52),
	CHECK (min_balance >= 0)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
INSERT INTO statement_schedule_settings (id) VALUES (1);

-- mode 'custom': this row's schedule; 'off': no scheduled statements for
-- the account. No row: the practice default.
CREATE TABLE statement_schedules (
	account_id	BIGINT NOT NULL PRIMARY KEY,
	mode		ENUM('custom', 'off') NOT NULL,
	cadence		ENUM('monthly', 'weekly') NOT NULL DEFAULT 'monthly',
	day_of_month	TINYINT NOT NULL DEFAULT 1,
	every_weeks	TINYINT NOT NULL DEFAULT 4,
	anchor_date	DATE NOT NULL DEFAULT '2026-01-05',
	min_balance	BIGINT NOT NULL DEFAULT 0,
	deliver_email	TINYINT NOT NULL DEFAULT 1,
	updated_by	BIGINT NULL,
	updated_at	BIGINT NOT NULL DEFAULT 0,
	CONSTRAINT statement_schedules_account FOREIGN KEY (account_id) REFERENCES accounts (id),
	CHECK (day_of_month BETWEEN 1 AND 31 AND every_weeks BETWEEN 1 AND 52),
	CHECK (min_balance >= 0)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- One row per account and period, inserted in the transaction that makes
-- (or skips) the statement: the unique key is the claim.
CREATE TABLE statement_schedule_runs (
	id		BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
	account_id	BIGINT NOT NULL,
	period_key	VARCHAR(16) NOT NULL,
	status		ENUM('emailed', 'generated', 'skipped') NOT NULL,
	statement_id	BIGINT NULL,
	outbox_id	BIGINT NULL,
	balance		BIGINT NOT NULL,
	created_at	BIGINT NOT NULL,
	UNIQUE KEY statement_schedule_runs_period (account_id, period_key),
	CONSTRAINT ssr_account FOREIGN KEY (account_id) REFERENCES accounts (id),
	CONSTRAINT ssr_statement FOREIGN KEY (statement_id) REFERENCES statements (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- Files attached to an outbox email (a statement's PDF), written in the
-- same transaction as the email.
CREATE TABLE outbox_attachments (
	id		BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
	outbox_id	BIGINT NOT NULL,
	filename	VARCHAR(200) NOT NULL,
	content_type	VARCHAR(100) NOT NULL,
	data_base64	MEDIUMTEXT NOT NULL,	-- the file, base64 without line breaks
	KEY outbox_attachments_outbox (outbox_id, id),
	CONSTRAINT outbox_attachments_outbox FOREIGN KEY (outbox_id) REFERENCES outbox (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- Self-service plans: client proposals wait for staff approval when set.
ALTER TABLE plan_settings ADD COLUMN client_proposals_need_approval TINYINT NOT NULL DEFAULT 0;

-- Accepted estimate -> payment plan (0 = conversion in progress).
ALTER TABLE estimates ADD COLUMN plan_id BIGINT NULL;

-- A plan the client proposed in the portal (self-service), signed there:
-- pending until staff approve when plan_settings says so, else approved at
-- once (the plan is then sent and accepted with this signature).
CREATE TABLE plan_proposals (
	plan_id		BIGINT NOT NULL PRIMARY KEY,
	account_id	BIGINT NOT NULL,
	status		ENUM('pending', 'approved') NOT NULL,
	signer_name	VARCHAR(200) NOT NULL,
	signed_ip	VARCHAR(64) NOT NULL DEFAULT '',
	signed_user_agent VARCHAR(255) NOT NULL DEFAULT '',
	created_at	BIGINT NOT NULL,
	decided_by	BIGINT NULL,
	decided_at	BIGINT NULL,
	KEY plan_proposals_status (status, plan_id),
	CONSTRAINT plan_proposals_plan FOREIGN KEY (plan_id) REFERENCES payment_plans (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- Bulk runs email too: a run made with "email" sends each statement it
-- generated (once: items are marked in the transaction that queues it).
ALTER TABLE statement_batches ADD COLUMN email TINYINT NOT NULL DEFAULT 0;
ALTER TABLE statement_batch_items ADD COLUMN mailed TINYINT NOT NULL DEFAULT 0,
	ADD COLUMN outbox_id BIGINT NULL;
