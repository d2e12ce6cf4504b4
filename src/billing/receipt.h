/* Receipts on request: staff email the receipt of a received payment to an
 * address they name (the client's own, or another). Like the automatic
 * receipt it is queued as a notice and rendered by the mailer when sent
 * (src/mail/notice_render_pay.c), in the account's language. */
#ifndef RECEIPT_H
#define RECEIPT_H

#include <stdint.h>

struct config;
struct db;

enum receipt_status {
	RECEIPT_OK = 0,
	RECEIPT_NOT_FOUND = 1,		/* no such payment */
	RECEIPT_NOT_RECEIVED = 2,	/* the payment has not succeeded */
	RECEIPT_BAD_ADDRESS = 3,	/* the outbox refuses the address */
	RECEIPT_DB = -1,
};

/* Queues the receipt of payment_id to `to`; *outbox_id (may be NULL) gets
 * the outbox row. */
int	 receipt_email(struct db *, const struct config *, int64_t payment_id,
	    const char *to, int64_t *outbox_id);

#endif
