/* Internals shared by invoice.c and invoice_life.c; not an API. */
#ifndef INVOICE_INT_H
#define INVOICE_INT_H

/* A domain refusal inside a transaction: roll back, report st. */
#define REFUSE(a, code)	do { (a)->st = (code); return DB_ERR; } while (0)

#endif
