-- The job runner (billing-jobs, `billingctl jobs run --once`): one row per
-- job. A runner claims a due job by writing the row (claimed_by,
-- lease_until): on Galera the write is what makes two nodes' claims
-- conflict, so only one commits. next_run_at is when it is due again.
CREATE TABLE billing_jobs (
	name			VARCHAR(40) NOT NULL PRIMARY KEY,
	every_seconds		INT NOT NULL,
	last_run_at		BIGINT NULL,
	last_ok_at		BIGINT NULL,
	next_run_at		BIGINT NOT NULL DEFAULT 0,
	last_error		VARCHAR(500) NOT NULL DEFAULT '',
	failures		INT NOT NULL DEFAULT 0,	-- in a row
	runs			BIGINT NOT NULL DEFAULT 0,
	claimed_by		VARCHAR(100) NULL,
	lease_until		BIGINT NULL
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- Autopay and dunning settings (Settings > Jobs): days before an autopay
-- charge its notice goes out; retries after a failure, in days after the
-- first failure ("1,3,7").
ALTER TABLE plan_settings
	ADD COLUMN notice_days INT NOT NULL DEFAULT 3,
	ADD COLUMN retry_days VARCHAR(60) NOT NULL DEFAULT '1,3,7';

-- Dunning state of an installment: failures recorded (attempts counts
-- charges tried), when the first failure was, when the next try is due
-- (NULL: on its due date), the last failure's code, retries stopped (hard
-- decline or the last retry failed).
ALTER TABLE payment_plan_installments
	ADD COLUMN failures INT NOT NULL DEFAULT 0,
	ADD COLUMN first_failed_on DATE NULL,
	ADD COLUMN retry_on DATE NULL,
	ADD COLUMN last_failure_code VARCHAR(65) NOT NULL DEFAULT '',
	ADD COLUMN dunning_stopped TINYINT NOT NULL DEFAULT 0,
	ADD KEY ppin_autopay (status, dunning_stopped, retry_on, due_date, id);

-- Each notice is sent once: the row is written in the transaction that
-- queues the email; the unique key refuses a second one (several runners,
-- catching up after downtime).
CREATE TABLE plan_notices (
	id			BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
	kind			VARCHAR(24) NOT NULL,	-- upcoming | receipt | failed | past_due | card_30 | card_7
	plan_id			BIGINT NULL,
	installment_id		BIGINT NULL,
	payment_method_id	BIGINT NULL,
	attempt			INT NOT NULL DEFAULT 0,
	subject_key		VARCHAR(80) NOT NULL,	-- what makes it unique
	outbox_id		BIGINT NULL,
	created_at		BIGINT NOT NULL,
	UNIQUE KEY plan_notices_once (kind, subject_key)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- "Update your card" links emailed with failure, past-due and card-expiry
-- notices: the token is random, only its SHA-256 is kept, it expires, and
-- it is used once. The signature typed on the page is kept with the
-- SetupIntent until the card is saved.
CREATE TABLE plan_card_tokens (
	id			BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
	plan_id			BIGINT NOT NULL,
	token_hash		CHAR(64) NOT NULL,
	expires_at		BIGINT NOT NULL,
	used_at			BIGINT NULL,
	setup_intent		VARCHAR(80) NULL,
	signer_name		VARCHAR(200) NULL,
	signer_ip		VARCHAR(64) NULL,
	signer_user_agent	VARCHAR(255) NULL,
	created_at		BIGINT NOT NULL,
	UNIQUE KEY plan_card_tokens_hash (token_hash),
	KEY plan_card_tokens_plan (plan_id),
	CONSTRAINT pct_plan FOREIGN KEY (plan_id) REFERENCES payment_plans (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
