/* payments.refund_seq (see store_refund_seq.h). */
#include "common.h"

#include "db.h"
#include "store_refund_seq.h"

int
store_refund_seq_bump(struct db *db, int64_t payment_id)
{
	struct db_param p[] = { DB_I64(payment_id) };

	return db_exec(db, "UPDATE payments SET refund_seq = refund_seq + 1"
	    " WHERE id = ?", p, 1, NULL, NULL);
}
