-- The staff home's overdue bands kept for speed (issue 12): ar_open_due
-- (0031) gains, per (location, due date, shard), the number of invoices that
-- still owe money (open amount > 0) and the sum of what they owe. The staff
-- home's band headers ("31-60 days past due · 12 invoices · $1,234.00") sum
-- these few rows instead of reading up to 201 overdue invoices with their
-- account names only to count them, and were capped there: beyond 200
-- overdue invoices the newer bands showed nothing.
--
-- open_amount stays the open money of every open invoice (an overpaid one
-- counts negative, as on the A/R page); owing_count and owing_amount cover
-- only invoices with open money > 0, the work list's rule. A row is kept
-- while its open amount or its owing count differs from zero. `billingctl
-- ledger verify` recomputes all three columns from the invoices
-- ("stored A/R aging equals the open invoices").
-- The staff home reads each band (a range of due dates over every location
-- and shard) index-only through ar_open_due_due; the oldest band ("over 90
-- days", every older due date) from ar_owing_month below.
ALTER TABLE ar_open_due
	ADD COLUMN owing_count BIGINT NOT NULL DEFAULT 0,
	ADD COLUMN owing_amount BIGINT NOT NULL DEFAULT 0,
	ADD KEY ar_open_due_due (due_date, owing_count, owing_amount);

DELETE FROM ar_open_due;
INSERT INTO ar_open_due (location_id, due_date, shard, open_amount,
    owing_count, owing_amount)
	SELECT COALESCE(a.location_id, 0), i.fig_open_due, i.account_id % 4,
	    SUM(i.fig_total - i.fig_paid), SUM(i.fig_total > i.fig_paid),
	    SUM(GREATEST(i.fig_total - i.fig_paid, 0))
	FROM invoices i JOIN accounts a ON a.id = i.account_id
	WHERE i.fig_open_due IS NOT NULL
	GROUP BY COALESCE(a.location_id, 0), i.fig_open_due, i.account_id % 4
	HAVING SUM(i.fig_total - i.fig_paid) <> 0 OR SUM(i.fig_total > i.fig_paid) <> 0;

-- The same owing count and amount per month of due date (the first day of
-- the month), location and shard: the staff home's oldest band reads these
-- (a few rows per month of history) for whole months and ar_open_due's day
-- rows for the part of a month, instead of one row per due date of years of
-- history (at 2,000 seeded accounts: 340 month rows, 4,044 day rows).
-- Rows are deleted when their owing count reaches zero; verify recomputes
-- them ("stored A/R owing by month equals the owing invoices").
CREATE TABLE ar_owing_month (
	location_id	BIGINT NOT NULL,	-- 0: account without location
	month		DATE NOT NULL,		-- first day of the due date's month
	shard		TINYINT NOT NULL,	-- account id % 4
	owing_count	BIGINT NOT NULL,
	owing_amount	BIGINT NOT NULL,
	PRIMARY KEY (location_id, month, shard),
	KEY ar_owing_month_month (month, owing_count, owing_amount)
) ENGINE=InnoDB;

INSERT INTO ar_owing_month (location_id, month, shard, owing_count, owing_amount)
	SELECT location_id, due_date - INTERVAL (DAY(due_date) - 1) DAY, shard,
	    SUM(owing_count), SUM(owing_amount) FROM ar_open_due
	GROUP BY 1, 2, 3 HAVING SUM(owing_count) <> 0;

-- Adds one invoice's open amount (sign = 1) or takes it away (sign = -1),
-- deleting the rows when nothing is left in them (only a row that lost an
-- owing invoice or gained a negative amount can be empty: the other half of
-- an invoice update skips the DELETEs).
DROP PROCEDURE ar_open_due_add;
CREATE PROCEDURE ar_open_due_add(IN loc BIGINT, IN due DATE, IN sh TINYINT,
    IN amount BIGINT, IN sign INT)
BEGIN
	DECLARE n, owing BIGINT;

	IF due IS NOT NULL AND amount <> 0 THEN
		SET n = sign * (amount > 0);
		SET owing = sign * GREATEST(amount, 0);
		INSERT INTO ar_open_due (location_id, due_date, shard, open_amount,
		    owing_count, owing_amount)
			VALUES (loc, due, sh, sign * amount, n, owing)
			ON DUPLICATE KEY UPDATE open_amount = open_amount + sign * amount,
			    owing_count = owing_count + n, owing_amount = owing_amount + owing;
		IF n <= 0 THEN
			DELETE FROM ar_open_due WHERE location_id = loc AND
			    due_date = due AND shard = sh AND open_amount = 0 AND
			    owing_count = 0;
		END IF;
		IF n <> 0 THEN
			INSERT INTO ar_owing_month (location_id, month, shard,
			    owing_count, owing_amount)
				VALUES (loc, due - INTERVAL (DAY(due) - 1) DAY, sh, n, owing)
				ON DUPLICATE KEY UPDATE owing_count = owing_count + n,
				    owing_amount = owing_amount + owing;
			IF n < 0 THEN
				DELETE FROM ar_owing_month WHERE location_id = loc AND
				    month = due - INTERVAL (DAY(due) - 1) DAY AND
				    shard = sh AND owing_count = 0;
			END IF;
		END IF;
	END IF;
END;

DROP TRIGGER ar_open_due_inv_ins;
CREATE TRIGGER ar_open_due_inv_ins AFTER INSERT ON invoices FOR EACH ROW
BEGIN
	IF @billing_bulk_load IS NULL THEN
		CALL ar_open_due_add((SELECT COALESCE(location_id, 0) FROM accounts
		    WHERE id = NEW.account_id LOCK IN SHARE MODE),
		    ar_open_due_of(NEW.status, NEW.fig_total, NEW.fig_paid, NEW.due_date),
		    NEW.account_id % 4, NEW.fig_total - NEW.fig_paid, 1);
	END IF;
END;

DROP TRIGGER ar_open_due_inv_del;
CREATE TRIGGER ar_open_due_inv_del AFTER DELETE ON invoices FOR EACH ROW
BEGIN
	IF @billing_bulk_load IS NULL THEN
		CALL ar_open_due_add((SELECT COALESCE(location_id, 0) FROM accounts
		    WHERE id = OLD.account_id LOCK IN SHARE MODE),
		    ar_open_due_of(OLD.status, OLD.fig_total, OLD.fig_paid, OLD.due_date),
		    OLD.account_id % 4, OLD.fig_total - OLD.fig_paid, -1);
	END IF;
END;

DROP TRIGGER ar_open_due_inv_upd;
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
		    OLD.fig_total - OLD.fig_paid, -1);
		CALL ar_open_due_add(nloc, nd, NEW.account_id % 4,
		    NEW.fig_total - NEW.fig_paid, 1);
	END IF;
END;

-- An account moved to another location takes its open invoices with it.
DROP TRIGGER ar_open_due_acct_upd;
CREATE TRIGGER ar_open_due_acct_upd AFTER UPDATE ON accounts FOR EACH ROW
BEGIN
	IF @billing_bulk_load IS NULL AND
	    NOT (OLD.location_id <=> NEW.location_id) THEN
		INSERT INTO ar_open_due (location_id, due_date, shard, open_amount,
		    owing_count, owing_amount)
			SELECT COALESCE(OLD.location_id, 0), fig_open_due, NEW.id % 4,
			    -SUM(fig_total - fig_paid), -SUM(fig_total > fig_paid),
			    -SUM(GREATEST(fig_total - fig_paid, 0)) FROM invoices
			WHERE account_id = NEW.id AND fig_open_due IS NOT NULL
			GROUP BY fig_open_due
			ON DUPLICATE KEY UPDATE open_amount = open_amount + VALUES(open_amount),
			    owing_count = owing_count + VALUES(owing_count),
			    owing_amount = owing_amount + VALUES(owing_amount);
		INSERT INTO ar_open_due (location_id, due_date, shard, open_amount,
		    owing_count, owing_amount)
			SELECT COALESCE(NEW.location_id, 0), fig_open_due, NEW.id % 4,
			    SUM(fig_total - fig_paid), SUM(fig_total > fig_paid),
			    SUM(GREATEST(fig_total - fig_paid, 0)) FROM invoices
			WHERE account_id = NEW.id AND fig_open_due IS NOT NULL
			GROUP BY fig_open_due
			ON DUPLICATE KEY UPDATE open_amount = open_amount + VALUES(open_amount),
			    owing_count = owing_count + VALUES(owing_count),
			    owing_amount = owing_amount + VALUES(owing_amount);
		DELETE FROM ar_open_due WHERE open_amount = 0 AND owing_count = 0;
		INSERT INTO ar_owing_month (location_id, month, shard, owing_count,
		    owing_amount)
			SELECT COALESCE(OLD.location_id, 0), fig_open_due -
			    INTERVAL (DAY(fig_open_due) - 1) DAY, NEW.id % 4, -COUNT(*),
			    -SUM(fig_total - fig_paid) FROM invoices
			WHERE account_id = NEW.id AND fig_open_due IS NOT NULL AND
			    fig_total > fig_paid
			GROUP BY 2
			ON DUPLICATE KEY UPDATE owing_count = owing_count + VALUES(owing_count),
			    owing_amount = owing_amount + VALUES(owing_amount);
		INSERT INTO ar_owing_month (location_id, month, shard, owing_count,
		    owing_amount)
			SELECT COALESCE(NEW.location_id, 0), fig_open_due -
			    INTERVAL (DAY(fig_open_due) - 1) DAY, NEW.id % 4, COUNT(*),
			    SUM(fig_total - fig_paid) FROM invoices
			WHERE account_id = NEW.id AND fig_open_due IS NOT NULL AND
			    fig_total > fig_paid
			GROUP BY 2
			ON DUPLICATE KEY UPDATE owing_count = owing_count + VALUES(owing_count),
			    owing_amount = owing_amount + VALUES(owing_amount);
		DELETE FROM ar_owing_month WHERE owing_count = 0;
	END IF;
END;
