-- Online payments by clients (portal and pay links) may pay part of an
-- invoice: never less than min_payment (cents) unless that is all that is
-- open. One row (id 1), changed by admins under Settings > Online payments.
CREATE TABLE payment_settings (
	id		TINYINT NOT NULL PRIMARY KEY,
	min_payment	BIGINT NOT NULL DEFAULT 100,
	updated_at	BIGINT NULL,
	updated_by	BIGINT NULL
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

INSERT INTO payment_settings (id, min_payment) VALUES (1, 100);
