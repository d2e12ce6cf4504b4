-- The A/R aging's old money by month (issue 12): ar_owing_month (0033) also
-- keeps the open amount of every open invoice (an overpaid one counts
-- negative, as in ar_open_due.open_amount), so the A/R page sums whole
-- months for "over 90 days" and day rows only from the first day of that
-- band's last month: at 100,000 seeded accounts 5,400 day rows per view
-- became ~180 day rows and ~340 month rows.
--
-- A row is kept while its owing count or its open amount differs from zero;
-- `billingctl ledger verify` recomputes all three columns from the invoices
-- ("stored A/R by month equals the open invoices").
ALTER TABLE ar_owing_month
	ADD COLUMN open_amount BIGINT NOT NULL DEFAULT 0;

DELETE FROM ar_owing_month;
INSERT INTO ar_owing_month (location_id, month, shard, owing_count,
    owing_amount, open_amount)
	SELECT location_id, due_date - INTERVAL (DAY(due_date) - 1) DAY, shard,
	    SUM(owing_count), SUM(owing_amount), SUM(open_amount) FROM ar_open_due
	GROUP BY 1, 2, 3 HAVING SUM(owing_count) <> 0 OR SUM(open_amount) <> 0;

-- Adds one invoice's open amount (sign = 1) or takes it away (sign = -1) to
-- its day row and its month row, deleting a row when nothing is left in it
-- (only a row that lost an owing invoice or gained a negative amount can be
-- empty: the other half of an invoice update skips the DELETEs).
DROP PROCEDURE ar_open_due_add;
CREATE PROCEDURE ar_open_due_add(IN loc BIGINT, IN due DATE, IN sh TINYINT,
    IN amount BIGINT, IN sign INT)
BEGIN
	DECLARE n, owing BIGINT;
	DECLARE mon DATE;

	IF due IS NOT NULL AND amount <> 0 THEN
		SET n = sign * (amount > 0);
		SET owing = sign * GREATEST(amount, 0);
		SET mon = due - INTERVAL (DAY(due) - 1) DAY;
		INSERT INTO ar_open_due (location_id, due_date, shard, open_amount,
		    owing_count, owing_amount)
			VALUES (loc, due, sh, sign * amount, n, owing)
			ON DUPLICATE KEY UPDATE open_amount = open_amount + sign * amount,
			    owing_count = owing_count + n, owing_amount = owing_amount + owing;
		INSERT INTO ar_owing_month (location_id, month, shard, owing_count,
		    owing_amount, open_amount)
			VALUES (loc, mon, sh, n, owing, sign * amount)
			ON DUPLICATE KEY UPDATE owing_count = owing_count + n,
			    owing_amount = owing_amount + owing,
			    open_amount = open_amount + sign * amount;
		IF n <= 0 THEN
			DELETE FROM ar_open_due WHERE location_id = loc AND
			    due_date = due AND shard = sh AND open_amount = 0 AND
			    owing_count = 0;
			DELETE FROM ar_owing_month WHERE location_id = loc AND
			    month = mon AND shard = sh AND open_amount = 0 AND
			    owing_count = 0;
		END IF;
	END IF;
END;

-- An account moved to another location takes its open invoices with it: its
-- day rows and its month rows (open money of every open invoice now), the
-- rows left empty deleted in the two locations' ranges of the account's
-- shard only.
DROP TRIGGER ar_open_due_acct_upd;
CREATE TRIGGER ar_open_due_acct_upd AFTER UPDATE ON accounts FOR EACH ROW
	PRECEDES ar_totals_acct_upd
BEGIN
	DECLARE oloc, nloc BIGINT;

	IF @billing_bulk_load IS NULL AND
	    NOT (OLD.location_id <=> NEW.location_id) THEN
		SET oloc = COALESCE(OLD.location_id, 0);
		SET nloc = COALESCE(NEW.location_id, 0);
		INSERT INTO ar_open_due (location_id, due_date, shard, open_amount,
		    owing_count, owing_amount)
			SELECT oloc, fig_open_due, NEW.id % 4,
			    -SUM(fig_total - fig_paid), -SUM(fig_total > fig_paid),
			    -SUM(GREATEST(fig_total - fig_paid, 0)) FROM invoices
			WHERE account_id = NEW.id AND fig_open_due IS NOT NULL
			GROUP BY fig_open_due
			ON DUPLICATE KEY UPDATE open_amount = open_amount + VALUES(open_amount),
			    owing_count = owing_count + VALUES(owing_count),
			    owing_amount = owing_amount + VALUES(owing_amount);
		INSERT INTO ar_open_due (location_id, due_date, shard, open_amount,
		    owing_count, owing_amount)
			SELECT nloc, fig_open_due, NEW.id % 4,
			    SUM(fig_total - fig_paid), SUM(fig_total > fig_paid),
			    SUM(GREATEST(fig_total - fig_paid, 0)) FROM invoices
			WHERE account_id = NEW.id AND fig_open_due IS NOT NULL
			GROUP BY fig_open_due
			ON DUPLICATE KEY UPDATE open_amount = open_amount + VALUES(open_amount),
			    owing_count = owing_count + VALUES(owing_count),
			    owing_amount = owing_amount + VALUES(owing_amount);
		DELETE FROM ar_open_due WHERE location_id IN (oloc, nloc) AND
		    shard = NEW.id % 4 AND open_amount = 0 AND owing_count = 0;
		INSERT INTO ar_owing_month (location_id, month, shard, owing_count,
		    owing_amount, open_amount)
			SELECT oloc, fig_open_due - INTERVAL (DAY(fig_open_due) - 1) DAY,
			    NEW.id % 4, -SUM(fig_total > fig_paid),
			    -SUM(GREATEST(fig_total - fig_paid, 0)),
			    -SUM(fig_total - fig_paid) FROM invoices
			WHERE account_id = NEW.id AND fig_open_due IS NOT NULL
			GROUP BY 2
			ON DUPLICATE KEY UPDATE owing_count = owing_count + VALUES(owing_count),
			    owing_amount = owing_amount + VALUES(owing_amount),
			    open_amount = open_amount + VALUES(open_amount);
		INSERT INTO ar_owing_month (location_id, month, shard, owing_count,
		    owing_amount, open_amount)
			SELECT nloc, fig_open_due - INTERVAL (DAY(fig_open_due) - 1) DAY,
			    NEW.id % 4, SUM(fig_total > fig_paid),
			    SUM(GREATEST(fig_total - fig_paid, 0)),
			    SUM(fig_total - fig_paid) FROM invoices
			WHERE account_id = NEW.id AND fig_open_due IS NOT NULL
			GROUP BY 2
			ON DUPLICATE KEY UPDATE owing_count = owing_count + VALUES(owing_count),
			    owing_amount = owing_amount + VALUES(owing_amount),
			    open_amount = open_amount + VALUES(open_amount);
		DELETE FROM ar_owing_month WHERE location_id IN (oloc, nloc) AND
		    shard = NEW.id % 4 AND open_amount = 0 AND owing_count = 0;
	END IF;
END;
