-- Figures kept for speed (issue 12): per invoice the sum of its ledger
-- entries (fig_total) and of its allocations (fig_paid); per account the sum
-- of its ledger entries (fig_balance). They stay derived in meaning:
-- `billingctl ledger verify` recomputes each from the rows and fails on any
-- difference.
--
-- Triggers keep them, in the same transaction as the row that changes them,
-- for every writer (the domain, the API, billingctl, a future one) without
-- each having to remember. The ledger and allocations are append-only, but
-- UPDATE and DELETE are followed too, so the figures equal the sums whatever
-- a maintenance session does. A bulk loader (tests/bench/seed) may set the
-- session variable @billing_bulk_load = 1 to skip them and must then
-- recompute the figures of what it loaded (ledger verify catches a miss).
--
-- Open amount of an issued invoice = fig_total - fig_paid. fig_open_due is
-- the due date of an issued invoice with money open (NULL otherwise): the
-- A/R aging sums it through its own index instead of every ledger row, and
-- the staff home lists the oldest overdue in (due date, id) order from it.

-- ledger verify's "a reversal reverses an entry ..., once" counts the
-- entries reversing the same one: through an index, not a scan per reversal
-- (47 s at 1,000 accounts without it).
ALTER TABLE ledger_entries ADD KEY ledger_reverses (reverses_id);

ALTER TABLE invoices
	ADD COLUMN fig_total BIGINT NOT NULL DEFAULT 0,
	ADD COLUMN fig_paid BIGINT NOT NULL DEFAULT 0,
	ADD COLUMN fig_open_due DATE AS
		(IF(status = 'issued' AND fig_total <> fig_paid, due_date, NULL)) PERSISTENT,
	ADD KEY invoices_open_due (fig_open_due, id, fig_total, fig_paid);

ALTER TABLE accounts
	ADD COLUMN fig_balance BIGINT NOT NULL DEFAULT 0,
	ADD KEY accounts_balance (fig_balance, id),
	ADD KEY accounts_location_balance (location_id, fig_balance, id);

UPDATE invoices i JOIN (SELECT invoice_id, SUM(amount) AS s FROM ledger_entries
	WHERE invoice_id IS NOT NULL GROUP BY invoice_id) e ON e.invoice_id = i.id
	SET i.fig_total = e.s;
UPDATE invoices i JOIN (SELECT invoice_id, SUM(amount) AS s FROM allocations
	GROUP BY invoice_id) x ON x.invoice_id = i.id
	SET i.fig_paid = x.s;
UPDATE accounts a JOIN (SELECT account_id, SUM(amount) AS s FROM ledger_entries
	GROUP BY account_id) e ON e.account_id = a.id
	SET a.fig_balance = e.s;

CREATE TRIGGER ledger_figures_ins AFTER INSERT ON ledger_entries FOR EACH ROW
BEGIN
	IF @billing_bulk_load IS NULL THEN
		UPDATE accounts SET fig_balance = fig_balance + NEW.amount
			WHERE id = NEW.account_id;
		IF NEW.invoice_id IS NOT NULL THEN
			UPDATE invoices SET fig_total = fig_total + NEW.amount
				WHERE id = NEW.invoice_id;
		END IF;
	END IF;
END;

CREATE TRIGGER ledger_figures_del AFTER DELETE ON ledger_entries FOR EACH ROW
BEGIN
	IF @billing_bulk_load IS NULL THEN
		UPDATE accounts SET fig_balance = fig_balance - OLD.amount
			WHERE id = OLD.account_id;
		IF OLD.invoice_id IS NOT NULL THEN
			UPDATE invoices SET fig_total = fig_total - OLD.amount
				WHERE id = OLD.invoice_id;
		END IF;
	END IF;
END;

CREATE TRIGGER ledger_figures_upd AFTER UPDATE ON ledger_entries FOR EACH ROW
BEGIN
	IF @billing_bulk_load IS NULL THEN
		UPDATE accounts SET fig_balance = fig_balance - OLD.amount
			WHERE id = OLD.account_id;
		UPDATE accounts SET fig_balance = fig_balance + NEW.amount
			WHERE id = NEW.account_id;
		IF OLD.invoice_id IS NOT NULL THEN
			UPDATE invoices SET fig_total = fig_total - OLD.amount
				WHERE id = OLD.invoice_id;
		END IF;
		IF NEW.invoice_id IS NOT NULL THEN
			UPDATE invoices SET fig_total = fig_total + NEW.amount
				WHERE id = NEW.invoice_id;
		END IF;
	END IF;
END;

CREATE TRIGGER allocation_figures_ins AFTER INSERT ON allocations FOR EACH ROW
BEGIN
	IF @billing_bulk_load IS NULL THEN
		UPDATE invoices SET fig_paid = fig_paid + NEW.amount WHERE id = NEW.invoice_id;
	END IF;
END;

CREATE TRIGGER allocation_figures_del AFTER DELETE ON allocations FOR EACH ROW
BEGIN
	IF @billing_bulk_load IS NULL THEN
		UPDATE invoices SET fig_paid = fig_paid - OLD.amount WHERE id = OLD.invoice_id;
	END IF;
END;

CREATE TRIGGER allocation_figures_upd AFTER UPDATE ON allocations FOR EACH ROW
BEGIN
	IF @billing_bulk_load IS NULL THEN
		UPDATE invoices SET fig_paid = fig_paid - OLD.amount WHERE id = OLD.invoice_id;
		UPDATE invoices SET fig_paid = fig_paid + NEW.amount WHERE id = NEW.invoice_id;
	END IF;
END;
