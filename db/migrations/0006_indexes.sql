-- Indexes for the large-database paths measured with tests/bench: per-account
-- balances and A/R sums read (account_id, amount) / (invoice_id, amount)
-- without touching rows; client search by first name and email prefix.
ALTER TABLE ledger_entries
	ADD KEY ledger_account_amount (account_id, amount),
	ADD KEY ledger_invoice_amount (invoice_id, amount),
	ADD KEY ledger_account_id (account_id, id),
	ADD KEY ledger_client_id (client_id, id),
	ADD KEY ledger_invoice_id (invoice_id, id);
ALTER TABLE allocations ADD KEY allocations_invoice_amount (invoice_id, amount);
ALTER TABLE clients
	ADD KEY clients_stage_first (stage, first_name, id),
	ADD KEY clients_stage_email (stage, email, id);
