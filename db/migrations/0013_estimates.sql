-- Estimates: payers (insurers) and their contracted rates, self-pay rates per
-- service, coverage of a client or inquiry, the provider facts a Good Faith
-- Estimate prints, estimates with their lines (computed by
-- src/billing/estimate_calc.c and stored as computed) and signatures.
-- Money: BIGINT cents. Percentages: INT basis points (2000 = 20%).

CREATE TABLE payers (
	id		BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
	name		VARCHAR(200) NOT NULL,
	payer_code	VARCHAR(32) NOT NULL DEFAULT '',
	address		VARCHAR(500) NOT NULL DEFAULT '',
	phone		VARCHAR(40) NOT NULL DEFAULT '',
	active		TINYINT NOT NULL DEFAULT 1,
	created_at	BIGINT NOT NULL,
	UNIQUE KEY payers_name (name)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- The allowed amount a payer pays for a service (in network).
CREATE TABLE payer_rates (
	payer_id	BIGINT NOT NULL,
	service_id	BIGINT NOT NULL,
	rate		BIGINT NOT NULL,
	PRIMARY KEY (payer_id, service_id),
	CONSTRAINT payer_rates_payer FOREIGN KEY (payer_id) REFERENCES payers (id),
	CONSTRAINT payer_rates_service FOREIGN KEY (service_id) REFERENCES services (id),
	CHECK (rate >= 0)
) ENGINE=InnoDB;

-- Per service: self-pay rate (NULL: the standard rate), self-pay discount,
-- and the CPT/HCPCS code a Good Faith Estimate prints.
CREATE TABLE service_estimate (
	service_id	BIGINT NOT NULL PRIMARY KEY,
	self_pay_rate	BIGINT NULL,
	self_pay_discount_bp INT NOT NULL DEFAULT 0,
	billing_code	VARCHAR(16) NOT NULL DEFAULT '',
	CONSTRAINT service_estimate_service FOREIGN KEY (service_id) REFERENCES services (id),
	CHECK (self_pay_rate IS NULL OR self_pay_rate >= 0),
	CHECK (self_pay_discount_bp BETWEEN 0 AND 10000)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- Provider facts for Good Faith Estimates: location_id 0 is the
-- organization, other rows override it per location.
CREATE TABLE provider_info (
	location_id	BIGINT NOT NULL PRIMARY KEY,
	provider_name	VARCHAR(200) NOT NULL DEFAULT '',
	npi		VARCHAR(10) NOT NULL DEFAULT '',
	tin		VARCHAR(20) NOT NULL DEFAULT ''
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE coverages (
	id		BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
	client_id	BIGINT NOT NULL,
	tier		ENUM('primary', 'secondary') NOT NULL,
	payer_id	BIGINT NOT NULL,
	member_id	VARCHAR(64) NOT NULL DEFAULT '',
	group_number	VARCHAR(64) NOT NULL DEFAULT '',
	subscriber	VARCHAR(200) NOT NULL DEFAULT '',
	relationship	ENUM('self', 'spouse', 'child', 'other') NOT NULL DEFAULT 'self',
	in_network	TINYINT NOT NULL DEFAULT 1,
	effective_from	DATE NOT NULL,
	effective_to	DATE NULL,
	deductible	BIGINT NOT NULL DEFAULT 0,
	deductible_met	BIGINT NOT NULL DEFAULT 0,
	family_deductible BIGINT NOT NULL DEFAULT 0,
	family_deductible_met BIGINT NOT NULL DEFAULT 0,
	coinsurance_bp	INT NOT NULL DEFAULT 0,
	copay		BIGINT NOT NULL DEFAULT 0,
	oop_max		BIGINT NOT NULL DEFAULT 0,
	oop_met		BIGINT NOT NULL DEFAULT 0,
	family_oop_max	BIGINT NOT NULL DEFAULT 0,
	family_oop_met	BIGINT NOT NULL DEFAULT 0,
	-- codes of the services the copay applies to, comma separated
	copay_services	VARCHAR(1000) NOT NULL DEFAULT '',
	created_at	BIGINT NOT NULL,
	updated_at	BIGINT NOT NULL,
	KEY coverages_client (client_id, tier),
	CONSTRAINT coverages_client FOREIGN KEY (client_id) REFERENCES clients (id),
	CONSTRAINT coverages_payer FOREIGN KEY (payer_id) REFERENCES payers (id),
	CHECK (coinsurance_bp BETWEEN 0 AND 10000)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- One row per version: editing a sent estimate makes a new row (version + 1,
-- same root_id) and marks the old one superseded. The coverage figures are a
-- snapshot taken when the estimate was computed.
CREATE TABLE estimates (
	id		BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
	root_id		BIGINT NULL,
	version		INT NOT NULL DEFAULT 1,
	client_id	BIGINT NOT NULL,
	account_id	BIGINT NOT NULL,
	status		ENUM('draft', 'sent', 'viewed', 'signed', 'accepted',
			    'declined', 'expired', 'superseded') NOT NULL DEFAULT 'draft',
	basis		ENUM('in_network', 'out_of_network', 'self_pay') NOT NULL,
	coverage_id	BIGINT NULL,
	payer_name	VARCHAR(200) NOT NULL DEFAULT '',
	member_id	VARCHAR(64) NOT NULL DEFAULT '',
	deductible	BIGINT NOT NULL DEFAULT 0,
	deductible_met	BIGINT NOT NULL DEFAULT 0,
	family_deductible BIGINT NOT NULL DEFAULT 0,
	family_deductible_met BIGINT NOT NULL DEFAULT 0,
	coinsurance_bp	INT NOT NULL DEFAULT 0,
	copay		BIGINT NOT NULL DEFAULT 0,
	oop_max		BIGINT NOT NULL DEFAULT 0,
	oop_met		BIGINT NOT NULL DEFAULT 0,
	family_oop_max	BIGINT NOT NULL DEFAULT 0,
	family_oop_met	BIGINT NOT NULL DEFAULT 0,
	notes		TEXT NOT NULL,
	valid_until	DATE NULL,
	-- Good Faith Estimate (uninsured / self-pay)
	gfe		TINYINT NOT NULL DEFAULT 0,
	gfe_requested	TINYINT NOT NULL DEFAULT 0,
	scheduled_on	DATE NULL,
	gfe_due		DATE NULL,
	diagnosis_codes	VARCHAR(200) NOT NULL DEFAULT '',
	separate_items	TEXT NOT NULL,
	provider_name	VARCHAR(200) NOT NULL DEFAULT '',
	provider_npi	VARCHAR(10) NOT NULL DEFAULT '',
	provider_tin	VARCHAR(20) NOT NULL DEFAULT '',
	provider_location VARCHAR(700) NOT NULL DEFAULT '',
	allowed_total	BIGINT NOT NULL DEFAULT 0,
	patient_total	BIGINT NOT NULL DEFAULT 0,
	insurer_total	BIGINT NOT NULL DEFAULT 0,
	content_hash	CHAR(64) NULL,
	invoice_id	BIGINT NULL,
	created_by	BIGINT NULL,
	created_at	BIGINT NOT NULL,
	updated_at	BIGINT NOT NULL,
	sent_at		BIGINT NULL,
	viewed_at	BIGINT NULL,
	KEY estimates_client (client_id, id),
	KEY estimates_account (account_id, status),
	KEY estimates_root (root_id, version),
	CONSTRAINT estimates_client FOREIGN KEY (client_id) REFERENCES clients (id),
	CONSTRAINT estimates_account FOREIGN KEY (account_id) REFERENCES accounts (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE estimate_lines (
	id		BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
	estimate_id	BIGINT NOT NULL,
	position	INT NOT NULL,
	service_id	BIGINT NULL,
	code		VARCHAR(32) NOT NULL DEFAULT '',
	billing_code	VARCHAR(16) NOT NULL DEFAULT '',
	diagnosis_code	VARCHAR(16) NOT NULL DEFAULT '',
	description	VARCHAR(500) NOT NULL,
	service_date	DATE NULL,
	quantity	BIGINT NOT NULL,
	rate		BIGINT NOT NULL,
	copay_applies	TINYINT NOT NULL DEFAULT 0,
	discount_bp	INT NOT NULL DEFAULT 0,
	allowed		BIGINT NOT NULL,
	deductible	BIGINT NOT NULL,
	coinsurance	BIGINT NOT NULL,
	copay		BIGINT NOT NULL,
	discount	BIGINT NOT NULL,
	patient		BIGINT NOT NULL,
	insurer		BIGINT NOT NULL,
	UNIQUE KEY estimate_lines_pos (estimate_id, position),
	CONSTRAINT estimate_lines_estimate FOREIGN KEY (estimate_id) REFERENCES estimates (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- A client's or a staff member's signature over content_hash (SHA-256 of the
-- estimate's canonical content). voided_at: a new version replaced it.
CREATE TABLE estimate_signatures (
	id		BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
	estimate_id	BIGINT NOT NULL,
	role		ENUM('client', 'staff') NOT NULL,
	signer_name	VARCHAR(200) NOT NULL,
	signer_id	BIGINT NOT NULL,
	method		ENUM('drawn', 'typed') NOT NULL,
	png		MEDIUMTEXT NULL,	-- base64 PNG of the drawn signature
	path		MEDIUMTEXT NULL,	-- the strokes: [[x,y,x,y...],...]
	agreed		TINYINT NOT NULL,
	content_hash	CHAR(64) NOT NULL,
	signed_at	BIGINT NOT NULL,
	ip		VARCHAR(64) NOT NULL DEFAULT '',
	user_agent	VARCHAR(255) NOT NULL DEFAULT '',
	voided_at	BIGINT NULL,
	KEY estimate_signatures_estimate (estimate_id, role),
	CONSTRAINT estimate_signatures_estimate FOREIGN KEY (estimate_id) REFERENCES estimates (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
