/* payments.refund_seq: the write that makes refunds of one payment conflict
 * on a Galera cluster. Functions return a db_status (0 is DB_OK). */
#ifndef STORE_REFUND_SEQ_H
#define STORE_REFUND_SEQ_H

#include <stdint.h>

struct db;

/* Bumps the payment's refund counter inside the caller's transaction: a
 * write, not only a lock, so two nodes' refunds of the same payment
 * conflict at certification and the loser retries (then sees the winner). */
int	 store_refund_seq_bump(struct db *, int64_t payment_id);

#endif
