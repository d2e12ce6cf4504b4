-- A refund's reservation writes the payment row it checks (bumps this
-- counter) in the same transaction as its refunds row. On a Galera cluster
-- a SELECT ... FOR UPDATE only locks on its own node, so two refunds of one
-- payment through two nodes could both pass the "not more than refundable"
-- check; with the write, certification refuses the second (a deadlock
-- error), and its retry sees the first refund and refuses.
ALTER TABLE payments ADD COLUMN refund_seq BIGINT NOT NULL DEFAULT 0;
