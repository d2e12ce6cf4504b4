-- The authorization-to-charge consent given on the payment form with "save
-- card for future payments", kept on the (pending) card/ACH payment so that
-- whichever path settles the payment (the page's refresh, the webhook,
-- reconcile) records it in the transaction that records the saved method.
-- consent_id: the consent recorded for this payment (at most one).
ALTER TABLE payments
	ADD COLUMN consent_signer VARCHAR(200) NULL,
	ADD COLUMN consent_scope ENUM('any_balance', 'payment_plan', 'up_to_amount') NULL,
	ADD COLUMN consent_max_amount BIGINT NULL,
	ADD COLUMN consent_text_version VARCHAR(32) NULL,
	ADD COLUMN consent_ip VARCHAR(64) NULL,
	ADD COLUMN consent_user_agent VARCHAR(255) NULL,
	ADD COLUMN consent_recorded_by BIGINT NULL,
	ADD COLUMN consent_id BIGINT NULL,
	ADD CONSTRAINT payments_consent FOREIGN KEY (consent_id) REFERENCES consents (id);
