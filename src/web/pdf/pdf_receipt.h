/* The PDF receipt of one payment, read from the database (pdf_receipt.c). */
#ifndef PDF_RECEIPT_H
#define PDF_RECEIPT_H

#include <stddef.h>
#include <stdint.h>

struct buf;
struct config;
struct db;

/* Renders payment_id's receipt into out (reset first) and its file name
 * into filename (may be NULL): 0; 1 when there is no receipt (no such
 * payment, or it has not succeeded: out untouched); -1 on errors. */
int	 pdf_receipt_payment(struct db *, const struct config *,
	    int64_t payment_id, struct buf *out, char *filename,
	    size_t filenamesz);

/* The mailer's attacher (mailer_set_attacher): a "receipt" email about a
 * payment gets that payment's PDF receipt, rendered when it is sent (none
 * when the payment has not succeeded); a "statement" email about a
 * statement gets the statement's PDF, rendered when it is sent. arg: a
 * struct pdf_receipt_env. */
struct pdf_receipt_env {
	struct db		*db;
	const struct config	*cfg;
};
int	 pdf_receipt_attach(void *arg, const char *kind, const char *object_type,
	    int64_t object_id, struct buf *data, char *filename,
	    size_t filenamesz, const char **type);

#endif
