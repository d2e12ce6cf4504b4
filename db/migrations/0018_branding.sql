-- Branding (issue 13): one row (id = 1) with the organisation's name,
-- address, accent colour and logo. Empty name/address fall back to the
-- configuration (org_name, org_address). The logo is stored only as the PNG
-- we re-encoded ourselves (base64 text, since the connection binds text),
-- never as uploaded; logo_sha is its SHA-256 and names its URL.
CREATE TABLE branding (
	id		TINYINT NOT NULL PRIMARY KEY,
	org_name	VARCHAR(120) NOT NULL DEFAULT '',
	org_address	VARCHAR(400) NOT NULL DEFAULT '',
	accent		CHAR(7) NOT NULL DEFAULT '',
	logo_png_b64	MEDIUMTEXT NULL,
	logo_sha	CHAR(64) NOT NULL DEFAULT '',
	logo_w		INT NOT NULL DEFAULT 0,
	logo_h		INT NOT NULL DEFAULT 0,
	updated_at	DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

INSERT INTO branding (id) VALUES (1);
