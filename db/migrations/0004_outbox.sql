-- Email outbox: every email is a row written in the same transaction as the
-- event that causes it (so it exists iff that event committed), then sent by
-- a mailer (src/mail/mailer.c) that claims due rows with SELECT ... FOR UPDATE
-- SKIP LOCKED and a lease, talks SMTP, and marks the row sent.
--   queued  --claim-->  sending (lease_until, lease_owner)  --250-->  sent
--                          |  transient error: queued again, next_attempt_at
--                          |  = now + backoff; after mail_retry_max attempts
--                          |  or a permanent 5xx: failed
--                          '- lease expired (mailer died): claimed again
-- message_id is generated at enqueue, so a re-send after a crash carries the
-- same Message-ID header as the first send.

CREATE TABLE outbox (
	id		BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
	kind		ENUM('activation', 'invoice', 'receipt', 'payment_confirmation',
			    'ach_result', 'statement', 'password_reset', 'other') NOT NULL,
	to_addr		VARCHAR(254) NOT NULL,
	subject		VARCHAR(998) NOT NULL,
	text_body	MEDIUMTEXT NOT NULL,
	html_body	MEDIUMTEXT NULL,
	object_type	VARCHAR(32) NULL,	-- e.g. 'invoice', 'payment', 'account'
	object_id	BIGINT NULL,
	created_at	BIGINT NOT NULL,
	status		ENUM('queued', 'sending', 'sent', 'failed') NOT NULL DEFAULT 'queued',
	attempts	INT NOT NULL DEFAULT 0,	-- SMTP attempts started (claims)
	next_attempt_at	BIGINT NOT NULL,	-- queued: due from then on
	lease_until	BIGINT NULL,		-- sending: reclaimable from then on
	lease_owner	VARCHAR(128) NULL,	-- host:pid of the mailer holding the lease
	sent_at		BIGINT NULL,
	last_error	VARCHAR(1000) NULL,
	message_id	VARCHAR(255) NOT NULL,	-- '<random@host>', the Message-ID header
	UNIQUE KEY outbox_message_id (message_id),
	KEY outbox_queued (status, next_attempt_at),
	KEY outbox_lease (status, lease_until),
	KEY outbox_object (object_type, object_id),
	KEY outbox_to (to_addr, created_at)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
