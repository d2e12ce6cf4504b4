-- Consents keep the words the client agreed to (issue 9, "Consents mean what
-- they say"): the authorization text as recorded (it names the method by
-- brand/bank and last 4, the scope, the amount or limit, the frequency and
-- how to revoke), the method's label frozen at signing, and the outbox row
-- of the copy emailed to the account. plan_id (0003) stays nullable: a
-- payment_plan consent names its plan once plans exist.
--
-- NACHA WEB debits: the authorization (text, who, when, IP, user agent) is
-- kept at least 2 years after it ends. Methods are never deleted (removing
-- one marks it 'removed' and revokes its consents; the consents_method
-- foreign key refuses a delete anyway), and these triggers refuse deleting
-- a consent signed or revoked less than 2 years ago, or rewriting the text
-- once recorded.
ALTER TABLE consents
	ADD COLUMN auth_text TEXT NULL,
	ADD COLUMN method_label VARCHAR(100) NOT NULL DEFAULT '',
	ADD COLUMN mail_id BIGINT NULL;

CREATE TRIGGER consents_retain BEFORE DELETE ON consents FOR EACH ROW
BEGIN
	IF GREATEST(OLD.signed_at, COALESCE(OLD.revoked_at, 0)) >
	    UNIX_TIMESTAMP() - 2 * 366 * 86400 THEN
		SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT =
		    'consents are kept at least 2 years after they end';
	END IF;
END;

CREATE TRIGGER consents_text_fixed BEFORE UPDATE ON consents FOR EACH ROW
BEGIN
	IF OLD.auth_text IS NOT NULL AND NOT (NEW.auth_text <=> OLD.auth_text) THEN
		SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT =
		    'a consent''s authorization text cannot change';
	END IF;
END;
