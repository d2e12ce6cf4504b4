-- Billing core: locations, service catalog, payment types, accounts, clients
-- (inquiries are clients at stage 'inquiry'), invoices, the append-only ledger,
-- payments, allocations, statements, gap-free sequences, API keys and
-- idempotency records.
--
-- Money: BIGINT minor units (cents). Dates: DATE. Instants: BIGINT unix seconds.
-- Ledger sign convention: amount is the effect on what the account owes
--   charge +, discount -, adjustment +/-, payment -, refund +, writeoff -.
-- Balances are never stored: they are sums over ledger_entries / allocations.

CREATE TABLE locations (
	id		BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
	name		VARCHAR(200) NOT NULL,
	address		VARCHAR(500) NOT NULL DEFAULT '',
	active		TINYINT NOT NULL DEFAULT 1,
	created_at	BIGINT NOT NULL,
	UNIQUE KEY locations_name (name)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE services (
	id		BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
	code		VARCHAR(32) NOT NULL,
	name		VARCHAR(200) NOT NULL,
	default_rate	BIGINT NOT NULL,
	active		TINYINT NOT NULL DEFAULT 1,
	created_at	BIGINT NOT NULL,
	UNIQUE KEY services_code (code),
	CHECK (default_rate >= 0)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE payment_types (
	id		BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
	code		VARCHAR(32) NOT NULL,
	name		VARCHAR(100) NOT NULL,
	active		TINYINT NOT NULL DEFAULT 1,
	sort		INT NOT NULL DEFAULT 0,
	UNIQUE KEY payment_types_code (code)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

INSERT INTO payment_types (code, name, sort) VALUES
	('self_pay', 'Self-pay', 10),
	('insurance_pr', 'Insurance patient responsibility', 20),
	('copay', 'Copay', 30),
	('deposit', 'Deposit', 40),
	('other', 'Other', 50);

-- The financially responsible party. primary email = the one portal login.
CREATE TABLE accounts (
	id		BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
	name		VARCHAR(200) NOT NULL,
	email		VARCHAR(254) NULL,
	phone		VARCHAR(40) NOT NULL DEFAULT '',
	address1	VARCHAR(200) NOT NULL DEFAULT '',
	address2	VARCHAR(200) NOT NULL DEFAULT '',
	city		VARCHAR(100) NOT NULL DEFAULT '',
	region		VARCHAR(100) NOT NULL DEFAULT '',
	postal_code	VARCHAR(20) NOT NULL DEFAULT '',
	location_id	BIGINT NULL,
	created_at	BIGINT NOT NULL,
	updated_at	BIGINT NOT NULL,
	UNIQUE KEY accounts_email (email),
	KEY accounts_name (name, id),
	CONSTRAINT accounts_location FOREIGN KEY (location_id) REFERENCES locations (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- Clients (patients). Every client starts as an inquiry (stage 'inquiry');
-- conversion flips the stage and keeps every record that points at the row.
CREATE TABLE clients (
	id		BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
	account_id	BIGINT NOT NULL,
	stage		ENUM('inquiry', 'client') NOT NULL DEFAULT 'inquiry',
	first_name	VARCHAR(100) NOT NULL,
	last_name	VARCHAR(100) NOT NULL,
	birth_date	DATE NULL,
	email		VARCHAR(254) NOT NULL DEFAULT '',
	phone		VARCHAR(40) NOT NULL DEFAULT '',
	location_id	BIGINT NULL,
	converted_at	BIGINT NULL,
	created_at	BIGINT NOT NULL,
	updated_at	BIGINT NOT NULL,
	KEY clients_account (account_id),
	KEY clients_stage_name (stage, last_name, first_name, id),
	CONSTRAINT clients_account FOREIGN KEY (account_id) REFERENCES accounts (id),
	CONSTRAINT clients_location FOREIGN KEY (location_id) REFERENCES locations (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- Gap-free numbering: the row is locked and bumped in the issuing transaction.
CREATE TABLE sequences (
	name		VARCHAR(32) NOT NULL PRIMARY KEY,
	next_value	BIGINT NOT NULL
) ENGINE=InnoDB;

INSERT INTO sequences (name, next_value) VALUES ('invoice', 1), ('statement', 1);

CREATE TABLE invoices (
	id		BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
	number		VARCHAR(32) NULL,
	account_id	BIGINT NOT NULL,
	client_id	BIGINT NULL,
	location_id	BIGINT NULL,
	payment_type_id	BIGINT NOT NULL,
	status		ENUM('draft', 'issued', 'void') NOT NULL DEFAULT 'draft',
	invoice_date	DATE NOT NULL,
	due_date	DATE NOT NULL,
	notes		TEXT NOT NULL,
	discount_kind	ENUM('none', 'percent', 'fixed') NOT NULL DEFAULT 'none',
	discount_value	BIGINT NOT NULL DEFAULT 0,	-- basis points or cents
	issued_at	BIGINT NULL,
	voided_at	BIGINT NULL,
	void_reason	VARCHAR(500) NOT NULL DEFAULT '',
	created_by	BIGINT NULL,
	created_at	BIGINT NOT NULL,
	updated_at	BIGINT NOT NULL,
	UNIQUE KEY invoices_number (number),
	KEY invoices_account (account_id, id),
	KEY invoices_client (client_id, id),
	KEY invoices_status_due (status, due_date, id),
	CONSTRAINT invoices_account FOREIGN KEY (account_id) REFERENCES accounts (id),
	CONSTRAINT invoices_client FOREIGN KEY (client_id) REFERENCES clients (id),
	CONSTRAINT invoices_location FOREIGN KEY (location_id) REFERENCES locations (id),
	CONSTRAINT invoices_ptype FOREIGN KEY (payment_type_id) REFERENCES payment_types (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE invoice_lines (
	id		BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
	invoice_id	BIGINT NOT NULL,
	position	INT NOT NULL,
	service_id	BIGINT NULL,
	description	VARCHAR(500) NOT NULL,
	quantity	INT NOT NULL,
	rate		BIGINT NOT NULL,
	discount_kind	ENUM('none', 'percent', 'fixed') NOT NULL DEFAULT 'none',
	discount_value	BIGINT NOT NULL DEFAULT 0,
	KEY invoice_lines_invoice (invoice_id, position),
	CONSTRAINT invoice_lines_invoice FOREIGN KEY (invoice_id) REFERENCES invoices (id),
	CONSTRAINT invoice_lines_service FOREIGN KEY (service_id) REFERENCES services (id),
	CHECK (quantity > 0),
	CHECK (rate >= 0)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE payments (
	id		BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
	account_id	BIGINT NOT NULL,
	client_id	BIGINT NULL,
	method		ENUM('cash', 'check', 'terminal', 'other', 'card', 'ach') NOT NULL,
	amount		BIGINT NOT NULL,
	status		ENUM('pending', 'succeeded', 'failed', 'canceled') NOT NULL,
	received_date	DATE NOT NULL,
	reference	VARCHAR(100) NOT NULL DEFAULT '',
	memo		VARCHAR(500) NOT NULL DEFAULT '',
	created_by	BIGINT NULL,
	created_at	BIGINT NOT NULL,
	KEY payments_account (account_id, id),
	CONSTRAINT payments_account FOREIGN KEY (account_id) REFERENCES accounts (id),
	CONSTRAINT payments_client FOREIGN KEY (client_id) REFERENCES clients (id),
	CHECK (amount > 0)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE ledger_entries (
	id		BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
	kind		ENUM('charge', 'discount', 'adjustment', 'payment', 'refund', 'writeoff') NOT NULL,
	amount		BIGINT NOT NULL,
	entry_date	DATE NOT NULL,
	account_id	BIGINT NOT NULL,
	client_id	BIGINT NULL,
	invoice_id	BIGINT NULL,
	invoice_line_id	BIGINT NULL,
	payment_id	BIGINT NULL,
	reverses_id	BIGINT NULL,
	created_by	BIGINT NULL,
	created_at	BIGINT NOT NULL,
	memo		VARCHAR(500) NOT NULL DEFAULT '',
	KEY ledger_account_date (account_id, entry_date, id),
	KEY ledger_client_date (client_id, entry_date, id),
	KEY ledger_invoice (invoice_id),
	KEY ledger_payment (payment_id),
	CONSTRAINT ledger_account FOREIGN KEY (account_id) REFERENCES accounts (id),
	CONSTRAINT ledger_client FOREIGN KEY (client_id) REFERENCES clients (id),
	CONSTRAINT ledger_invoice FOREIGN KEY (invoice_id) REFERENCES invoices (id),
	CONSTRAINT ledger_payment FOREIGN KEY (payment_id) REFERENCES payments (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- Allocations tie payments to invoices. Append-only: a release is a negative row.
CREATE TABLE allocations (
	id		BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
	payment_id	BIGINT NOT NULL,
	invoice_id	BIGINT NOT NULL,
	amount		BIGINT NOT NULL,
	created_by	BIGINT NULL,
	created_at	BIGINT NOT NULL,
	memo		VARCHAR(200) NOT NULL DEFAULT '',
	KEY allocations_payment (payment_id),
	KEY allocations_invoice (invoice_id),
	CONSTRAINT allocations_payment FOREIGN KEY (payment_id) REFERENCES payments (id),
	CONSTRAINT allocations_invoice FOREIGN KEY (invoice_id) REFERENCES invoices (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- Immutable snapshots of what the client was told.
CREATE TABLE statements (
	id		BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
	number		VARCHAR(32) NOT NULL,
	account_id	BIGINT NOT NULL,
	client_id	BIGINT NULL,
	batch_id	BIGINT NULL,
	period_start	DATE NOT NULL,
	period_end	DATE NOT NULL,
	statement_date	DATE NOT NULL,
	due_date	DATE NOT NULL,
	opening_balance	BIGINT NOT NULL,
	closing_balance	BIGINT NOT NULL,
	amount_due	BIGINT NOT NULL,
	snapshot	LONGTEXT NOT NULL,		-- JSON: every line and the aging
	created_by	BIGINT NULL,
	created_at	BIGINT NOT NULL,
	UNIQUE KEY statements_number (number),
	KEY statements_account (account_id, id),
	KEY statements_batch (batch_id),
	CONSTRAINT statements_account FOREIGN KEY (account_id) REFERENCES accounts (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE statement_batches (
	id		BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
	status		ENUM('running', 'done') NOT NULL DEFAULT 'running',
	period_start	DATE NOT NULL,
	period_end	DATE NOT NULL,
	location_id	BIGINT NULL,
	min_balance	BIGINT NOT NULL DEFAULT 1,
	total		INT NOT NULL DEFAULT 0,
	done		INT NOT NULL DEFAULT 0,
	created_by	BIGINT NULL,
	created_at	BIGINT NOT NULL,
	finished_at	BIGINT NULL
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE statement_batch_items (
	batch_id	BIGINT NOT NULL,
	account_id	BIGINT NOT NULL,
	statement_id	BIGINT NULL,
	PRIMARY KEY (batch_id, account_id)
) ENGINE=InnoDB;

CREATE TABLE api_keys (
	id		BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
	name		VARCHAR(100) NOT NULL,
	role		ENUM('admin', 'billing', 'frontdesk') NOT NULL,
	key_hash	CHAR(64) NOT NULL,
	prefix		VARCHAR(16) NOT NULL,
	created_at	BIGINT NOT NULL,
	last_used_at	BIGINT NULL,
	revoked_at	BIGINT NULL,
	UNIQUE KEY api_keys_hash (key_hash)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- Idempotency-Key records per API key: same key + same body replays the
-- stored response; a different body is a 409.
CREATE TABLE idempotency_keys (
	api_key_id	BIGINT NOT NULL,
	idem_key	VARCHAR(255) NOT NULL,
	request_hash	CHAR(64) NOT NULL,
	status		INT NULL,			-- NULL while the first request runs
	response	MEDIUMTEXT NULL,
	created_at	BIGINT NOT NULL,
	PRIMARY KEY (api_key_id, idem_key)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
