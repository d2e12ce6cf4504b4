-- Client portal and one-time pay links: portal logins (one per account, its
-- primary email), activation/reset tokens, invoices posted to the portal,
-- pay links, pay-link lookup counters per address, and the payments made in
-- the portal or by pay link (whose emails we owe, each sent once).
-- Tokens are never stored: only their SHA-256 (hex).

-- One login per account. The login is valid only while email equals the
-- account's current primary email (a change needs a new activation).
CREATE TABLE portal_logins (
	account_id	BIGINT NOT NULL PRIMARY KEY,
	email		VARCHAR(254) NOT NULL,
	password_hash	VARCHAR(255) NULL,		-- argon2id; NULL = not activated
	activated_at	BIGINT NULL,
	password_changed_at BIGINT NULL,
	last_login_at	BIGINT NULL,
	created_at	BIGINT NOT NULL,
	updated_at	BIGINT NOT NULL,
	CONSTRAINT portal_logins_account FOREIGN KEY (account_id) REFERENCES accounts (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- Single-use links: activation (sent by staff) and password reset (asked by
-- the client). A new link of a purpose supersedes the older unused ones.
CREATE TABLE portal_tokens (
	id		BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
	account_id	BIGINT NOT NULL,
	purpose		ENUM('activate', 'reset') NOT NULL,
	token_hash	CHAR(64) NOT NULL,
	email		VARCHAR(254) NOT NULL,		-- where it was sent: must still be the primary email
	created_at	BIGINT NOT NULL,
	expires_at	BIGINT NOT NULL,
	used_at		BIGINT NULL,
	superseded_at	BIGINT NULL,
	created_by	BIGINT NULL,			-- staff user; NULL = the client asked
	UNIQUE KEY portal_tokens_hash (token_hash),
	KEY portal_tokens_account (account_id, purpose, created_at),
	CONSTRAINT portal_tokens_account FOREIGN KEY (account_id) REFERENCES accounts (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- Invoices the client sees in the portal ("post to portal"; emailing an
-- invoice posts it too).
CREATE TABLE portal_invoices (
	invoice_id	BIGINT NOT NULL PRIMARY KEY,
	account_id	BIGINT NOT NULL,
	posted_at	BIGINT NOT NULL,
	posted_by	BIGINT NULL,
	emailed_at	BIGINT NULL,			-- last time the invoice email was queued
	KEY portal_invoices_account (account_id, invoice_id),
	CONSTRAINT portal_invoices_invoice FOREIGN KEY (invoice_id) REFERENCES invoices (id),
	CONSTRAINT portal_invoices_account FOREIGN KEY (account_id) REFERENCES accounts (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- One-time payment links, bound to one invoice. A new link revokes the
-- older ones of the invoice (only the latest email works).
CREATE TABLE pay_links (
	id		BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
	invoice_id	BIGINT NOT NULL,
	token_hash	CHAR(64) NOT NULL,
	created_at	BIGINT NOT NULL,
	expires_at	BIGINT NOT NULL,
	revoked_at	BIGINT NULL,
	revoked_by	BIGINT NULL,
	created_by	BIGINT NULL,
	last_used_at	BIGINT NULL,
	UNIQUE KEY pay_links_hash (token_hash),
	KEY pay_links_invoice (invoice_id, revoked_at),
	CONSTRAINT pay_links_invoice FOREIGN KEY (invoice_id) REFERENCES invoices (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- Pay-link lookups per client address (rate limit in MariaDB, so it holds
-- across workers and hosts; nginx limit_req comes first).
CREATE TABLE pay_link_hits (
	id		BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
	ip		VARCHAR(64) NOT NULL,
	ok		TINYINT NOT NULL,
	created_at	BIGINT NOT NULL,
	KEY pay_link_hits_ip (ip, created_at)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- Card/ACH payments started in the portal or through a pay link: where the
-- receipt goes, and which emails were queued (each at most once).
CREATE TABLE portal_payments (
	payment_id	BIGINT NOT NULL PRIMARY KEY,
	account_id	BIGINT NOT NULL,
	source		ENUM('portal', 'paylink') NOT NULL,
	pay_link_id	BIGINT NULL,
	email		VARCHAR(254) NOT NULL DEFAULT '',
	-- "Save this card": the authorization the client signed when paying,
	-- recorded as a consent once the saved method exists.
	consent_signer	VARCHAR(200) NULL,
	consent_ip	VARCHAR(64) NOT NULL DEFAULT '',
	consent_ua	VARCHAR(255) NOT NULL DEFAULT '',
	consent_id	BIGINT NULL,
	created_at	BIGINT NOT NULL,
	KEY portal_payments_account (account_id, payment_id),
	CONSTRAINT portal_payments_payment FOREIGN KEY (payment_id) REFERENCES payments (id),
	CONSTRAINT portal_payments_account FOREIGN KEY (account_id) REFERENCES accounts (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE portal_payment_notices (
	payment_id	BIGINT NOT NULL,
	kind		ENUM('receipt', 'ach_pending', 'ach_succeeded', 'ach_failed') NOT NULL,
	created_at	BIGINT NOT NULL,
	PRIMARY KEY (payment_id, kind),
	CONSTRAINT portal_payment_notices_payment FOREIGN KEY (payment_id) REFERENCES payments (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- Payment methods being added in the portal (SetupIntents) with the
-- authorization the client signed on the form.
CREATE TABLE portal_setups (
	setup_intent	VARCHAR(64) NOT NULL PRIMARY KEY,
	account_id	BIGINT NOT NULL,
	signer		VARCHAR(200) NOT NULL,
	ip		VARCHAR(64) NOT NULL DEFAULT '',
	user_agent	VARCHAR(255) NOT NULL DEFAULT '',
	created_at	BIGINT NOT NULL,
	method_id	BIGINT NULL,
	consent_id	BIGINT NULL,
	KEY portal_setups_account (account_id),
	CONSTRAINT portal_setups_account FOREIGN KEY (account_id) REFERENCES accounts (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
