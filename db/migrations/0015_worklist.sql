-- The staff work list and collections (issue 13): saved cards by expiry,
-- and payment/refund ledger entries by date (collections per day read
-- (kind, entry_date, amount) without touching rows).
ALTER TABLE payment_methods
	ADD KEY payment_methods_expiry (status, kind, exp_year, exp_month);
ALTER TABLE ledger_entries
	ADD KEY ledger_kind_date (kind, entry_date, amount);
