-- A/R aging kept for speed (issue 12): the open amount of issued invoices
-- summed per (location of the invoice's account, due date). The A/R page
-- reads these few rows (one per due date with money open, per location and
-- shard) instead of every open invoice's index entry (66 ms at 100,000
-- accounts / 500,000 open invoices, and all of a view's time under load).
--
-- Kept by triggers in the same transaction as the invoice figure that
-- changes it (fig_total and fig_paid, themselves kept by the ledger and
-- allocation triggers of 0023; status; due date) and as a change of an
-- account's location. It stays derived in meaning: `billingctl ledger
-- verify` recomputes it from the invoices and fails on any difference.
-- A row whose amount reaches zero is deleted, so the table holds only dates
-- with money open. Each (location, due date) is split in 4 shards by
-- account id so that payments of different accounts on invoices due the
-- same day seldom wait on one row (or conflict at certification on Galera).
-- @billing_bulk_load = 1 skips the triggers like 0023's; the loader then
-- rebuilds the table (tests/bench/seed does).
CREATE TABLE ar_open_due (
	location_id	BIGINT NOT NULL,	-- 0: account without location
	due_date	DATE NOT NULL,
	shard		TINYINT NOT NULL,	-- account id % 4
	open_amount	BIGINT NOT NULL,
	PRIMARY KEY (location_id, due_date, shard)
) ENGINE=InnoDB;

INSERT INTO ar_open_due (location_id, due_date, shard, open_amount)
	SELECT COALESCE(a.location_id, 0), i.fig_open_due, i.account_id % 4,
	    SUM(i.fig_total - i.fig_paid)
	FROM invoices i JOIN accounts a ON a.id = i.account_id
	WHERE i.fig_open_due IS NOT NULL
	GROUP BY COALESCE(a.location_id, 0), i.fig_open_due, i.account_id % 4
	HAVING SUM(i.fig_total - i.fig_paid) <> 0;

-- Adds amount to one row, deleting it when it reaches zero.
CREATE PROCEDURE ar_open_due_add(IN loc BIGINT, IN due DATE, IN sh TINYINT,
    IN amount BIGINT)
BEGIN
	IF due IS NOT NULL AND amount <> 0 THEN
		INSERT INTO ar_open_due (location_id, due_date, shard, open_amount)
			VALUES (loc, due, sh, amount)
			ON DUPLICATE KEY UPDATE open_amount = open_amount + amount;
		DELETE FROM ar_open_due WHERE location_id = loc AND due_date = due
			AND shard = sh AND open_amount = 0;
	END IF;
END;

-- The open part of an invoice row: its due date when it is issued with money
-- open (the rule of invoices.fig_open_due, 0023), its open amount.
CREATE FUNCTION ar_open_due_of(st VARCHAR(16), total BIGINT, paid BIGINT,
    due DATE) RETURNS DATE DETERMINISTIC
	RETURN IF(st = 'issued' AND total <> paid, due, NULL);

CREATE TRIGGER ar_open_due_inv_ins AFTER INSERT ON invoices FOR EACH ROW
BEGIN
	IF @billing_bulk_load IS NULL THEN
		CALL ar_open_due_add((SELECT COALESCE(location_id, 0) FROM accounts
		    WHERE id = NEW.account_id LOCK IN SHARE MODE),
		    ar_open_due_of(NEW.status, NEW.fig_total, NEW.fig_paid, NEW.due_date),
		    NEW.account_id % 4, NEW.fig_total - NEW.fig_paid);
	END IF;
END;

CREATE TRIGGER ar_open_due_inv_del AFTER DELETE ON invoices FOR EACH ROW
BEGIN
	IF @billing_bulk_load IS NULL THEN
		CALL ar_open_due_add((SELECT COALESCE(location_id, 0) FROM accounts
		    WHERE id = OLD.account_id LOCK IN SHARE MODE),
		    ar_open_due_of(OLD.status, OLD.fig_total, OLD.fig_paid, OLD.due_date),
		    OLD.account_id % 4, OLD.fig_paid - OLD.fig_total);
	END IF;
END;

CREATE TRIGGER ar_open_due_inv_upd AFTER UPDATE ON invoices FOR EACH ROW
BEGIN
	DECLARE od, nd DATE;
	DECLARE oloc, nloc BIGINT;

	SET od = ar_open_due_of(OLD.status, OLD.fig_total, OLD.fig_paid, OLD.due_date);
	SET nd = ar_open_due_of(NEW.status, NEW.fig_total, NEW.fig_paid, NEW.due_date);
	IF @billing_bulk_load IS NULL AND (od IS NOT NULL OR nd IS NOT NULL) AND
	    NOT (od <=> nd AND OLD.account_id = NEW.account_id AND
	    OLD.fig_total - OLD.fig_paid = NEW.fig_total - NEW.fig_paid) THEN
		SET oloc = (SELECT COALESCE(location_id, 0) FROM accounts
		    WHERE id = OLD.account_id LOCK IN SHARE MODE);
		SET nloc = IF(NEW.account_id = OLD.account_id, oloc,
		    (SELECT COALESCE(location_id, 0) FROM accounts
		    WHERE id = NEW.account_id LOCK IN SHARE MODE));
		CALL ar_open_due_add(oloc, od, OLD.account_id % 4,
		    OLD.fig_paid - OLD.fig_total);
		CALL ar_open_due_add(nloc, nd, NEW.account_id % 4,
		    NEW.fig_total - NEW.fig_paid);
	END IF;
END;

-- An account moved to another location takes its open invoices with it.
CREATE TRIGGER ar_open_due_acct_upd AFTER UPDATE ON accounts FOR EACH ROW
BEGIN
	IF @billing_bulk_load IS NULL AND
	    NOT (OLD.location_id <=> NEW.location_id) THEN
		INSERT INTO ar_open_due (location_id, due_date, shard, open_amount)
			SELECT COALESCE(OLD.location_id, 0), fig_open_due, NEW.id % 4,
			    -SUM(fig_total - fig_paid) FROM invoices
			WHERE account_id = NEW.id AND fig_open_due IS NOT NULL
			GROUP BY fig_open_due
			ON DUPLICATE KEY UPDATE open_amount = open_amount + VALUES(open_amount);
		INSERT INTO ar_open_due (location_id, due_date, shard, open_amount)
			SELECT COALESCE(NEW.location_id, 0), fig_open_due, NEW.id % 4,
			    SUM(fig_total - fig_paid) FROM invoices
			WHERE account_id = NEW.id AND fig_open_due IS NOT NULL
			GROUP BY fig_open_due
			ON DUPLICATE KEY UPDATE open_amount = open_amount + VALUES(open_amount);
		DELETE FROM ar_open_due WHERE open_amount = 0;
	END IF;
END;
