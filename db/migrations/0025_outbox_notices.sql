-- Notices rendered at send time (issue 8). The domain queues a notice: its
-- name (which template and data), the account's language, and the few facts
-- frozen at the event (amounts, dates, a status), in the transaction of the
-- event; the mailer renders subject and bodies when it sends the row and
-- writes them back for the record. Rows queued before this migration (and
-- mails rendered by their caller, e.g. `billingctl mail test`) have no
-- notice: they are sent as stored.
--   notice        NULL: subject/text_body/html_body are the mail as queued
--   facts         "key=value" lines (values %-escaped), see src/billing/notice.c
--   sealed_token  the raw link token of an activation, reset, pay-link or
--                 update-card mail, encrypted (crypto_seal, key derived from
--                 secret_key); cleared when the row is sent or given up. The
--                 token's hash is what the portal tables keep; the rendered
--                 body of such a mail is never written back.

ALTER TABLE outbox
	ADD COLUMN notice VARCHAR(32) NULL AFTER kind,
	ADD COLUMN lang VARCHAR(8) NULL AFTER notice,
	ADD COLUMN facts TEXT NULL AFTER lang,
	ADD COLUMN sealed_token VARCHAR(255) NULL AFTER facts,
	ADD COLUMN rendered_at BIGINT NULL AFTER sealed_token,
	MODIFY text_body MEDIUMTEXT NULL;
