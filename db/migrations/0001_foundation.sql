-- Foundation: staff users, sessions (staff and portal), login throttling, audit trail.
-- Times are BIGINT unix seconds (UTC) so the application's injectable clock governs them.

CREATE TABLE users (
	id		BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
	email		VARCHAR(254) NOT NULL,
	name		VARCHAR(200) NOT NULL,
	role		ENUM('admin', 'billing', 'frontdesk') NOT NULL,
	password_hash	VARCHAR(255) NOT NULL,
	created_at	BIGINT NOT NULL,
	disabled_at	BIGINT NULL,
	last_login_at	BIGINT NULL,
	UNIQUE KEY users_email (email)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- The session id itself is never stored: only its SHA-256.
CREATE TABLE sessions (
	id_hash		CHAR(64) NOT NULL PRIMARY KEY,
	kind		ENUM('staff', 'portal') NOT NULL,
	subject_id	BIGINT NOT NULL,
	created_at	BIGINT NOT NULL,
	last_seen_at	BIGINT NOT NULL,
	expires_at	BIGINT NOT NULL,
	ip		VARCHAR(64) NOT NULL DEFAULT '',
	user_agent	VARCHAR(255) NOT NULL DEFAULT '',
	KEY sessions_subject (kind, subject_id),
	KEY sessions_expires (expires_at)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE login_attempts (
	id		BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
	kind		ENUM('staff', 'portal') NOT NULL,
	email		VARCHAR(254) NOT NULL,
	ip		VARCHAR(64) NOT NULL,
	success		TINYINT NOT NULL,
	created_at	BIGINT NOT NULL,
	KEY login_attempts_email (kind, email, created_at),
	KEY login_attempts_ip (ip, created_at)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE audit_log (
	id		BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
	created_at	BIGINT NOT NULL,
	actor_kind	ENUM('staff', 'portal', 'api', 'system', 'stripe') NOT NULL,
	actor_id	BIGINT NULL,
	ip		VARCHAR(64) NOT NULL DEFAULT '',
	action		VARCHAR(64) NOT NULL,
	object_type	VARCHAR(32) NOT NULL,
	object_id	BIGINT NULL,
	detail		TEXT NOT NULL,
	KEY audit_object (object_type, object_id, id),
	KEY audit_created (created_at)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
