-- A/R totals kept for speed (issue 12): per location of the account, the
-- money owed (positive balances), the credit (negative balances, as a
-- positive number) and the number of accounts owing, summed from
-- accounts.fig_balance (0023). The A/R page and the receivables API read
-- these few rows instead of every account with a balance (a pass over
-- accounts_location_balance: 33 ms at 100,000 accounts, the largest part of
-- a view).
--
-- Kept by triggers on accounts in the same transaction as the balance that
-- changes it (itself kept by the ledger triggers of 0023) and as a change of
-- an account's location. It stays derived in meaning: `billingctl ledger
-- verify` recomputes it from the accounts and fails on any difference.
-- Each location is split in 16 shards by account id, so that money writes on
-- different accounts seldom wait on one row (or conflict at certification
-- on Galera). Rows are kept when they reach zero (at most 16 per location):
-- no insert/delete churn on the hot path. @billing_bulk_load = 1 skips the
-- triggers like 0023's; the loader then rebuilds the table (tests/bench/seed
-- does).
CREATE TABLE ar_totals (
	location_id	BIGINT NOT NULL,	-- 0: account without location
	shard		TINYINT NOT NULL,	-- account id % 16
	owed		BIGINT NOT NULL,
	credit		BIGINT NOT NULL,
	accounts_owing	BIGINT NOT NULL,
	PRIMARY KEY (location_id, shard)
) ENGINE=InnoDB;

INSERT INTO ar_totals (location_id, shard, owed, credit, accounts_owing)
	SELECT COALESCE(location_id, 0), id % 16, SUM(GREATEST(fig_balance, 0)),
	    SUM(GREATEST(-fig_balance, 0)), SUM(fig_balance > 0)
	FROM accounts WHERE fig_balance <> 0
	GROUP BY COALESCE(location_id, 0), id % 16;

-- Adds the part of an account with balance bal to its row (sign -1: takes
-- it away).
CREATE PROCEDURE ar_totals_add(IN loc BIGINT, IN sh TINYINT, IN bal BIGINT,
    IN sign INT)
BEGIN
	IF bal <> 0 THEN
		INSERT INTO ar_totals (location_id, shard, owed, credit, accounts_owing)
			VALUES (loc, sh, sign * GREATEST(bal, 0),
			    sign * GREATEST(-bal, 0), sign * (bal > 0))
			ON DUPLICATE KEY UPDATE owed = owed + VALUES(owed),
			    credit = credit + VALUES(credit),
			    accounts_owing = accounts_owing + VALUES(accounts_owing);
	END IF;
END;

CREATE TRIGGER ar_totals_acct_ins AFTER INSERT ON accounts FOR EACH ROW
BEGIN
	IF @billing_bulk_load IS NULL THEN
		CALL ar_totals_add(COALESCE(NEW.location_id, 0), NEW.id % 16,
		    NEW.fig_balance, 1);
	END IF;
END;

CREATE TRIGGER ar_totals_acct_del AFTER DELETE ON accounts FOR EACH ROW
BEGIN
	IF @billing_bulk_load IS NULL THEN
		CALL ar_totals_add(COALESCE(OLD.location_id, 0), OLD.id % 16,
		    OLD.fig_balance, -1);
	END IF;
END;

-- A balance that changes moves its account's part in its row by the
-- difference (one row, one statement); an account moved to another
-- location takes its part with it.
CREATE TRIGGER ar_totals_acct_upd AFTER UPDATE ON accounts FOR EACH ROW
	FOLLOWS ar_open_due_acct_upd
BEGIN
	IF @billing_bulk_load IS NULL AND OLD.location_id <=> NEW.location_id
	    AND OLD.id = NEW.id THEN
		IF OLD.fig_balance <> NEW.fig_balance THEN
			INSERT INTO ar_totals (location_id, shard, owed, credit,
			    accounts_owing)
				VALUES (COALESCE(NEW.location_id, 0), NEW.id % 16,
				    GREATEST(NEW.fig_balance, 0) - GREATEST(OLD.fig_balance, 0),
				    GREATEST(-NEW.fig_balance, 0) - GREATEST(-OLD.fig_balance, 0),
				    (NEW.fig_balance > 0) - (OLD.fig_balance > 0))
				ON DUPLICATE KEY UPDATE owed = owed + VALUES(owed),
				    credit = credit + VALUES(credit),
				    accounts_owing = accounts_owing + VALUES(accounts_owing);
		END IF;
	ELSEIF @billing_bulk_load IS NULL THEN
		CALL ar_totals_add(COALESCE(OLD.location_id, 0), OLD.id % 16,
		    OLD.fig_balance, -1);
		CALL ar_totals_add(COALESCE(NEW.location_id, 0), NEW.id % 16,
		    NEW.fig_balance, 1);
	END IF;
END;
