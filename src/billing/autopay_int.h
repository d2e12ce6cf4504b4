/* Internals shared by autopay.c and autopay_notice.c. */
#ifndef AUTOPAY_INT_H
#define AUTOPAY_INT_H

#include <stdint.h>

struct db;
struct autopay_env;

/* What a notice is about (the rest is read from the rows). */
struct autopay_facts {
	int64_t	 plan_id;
	int64_t	 inst_id;	/* 0: a card notice */
	int64_t	 method_id;	/* card notices */
	int	 attempt;
	int64_t	 payment_id;
	char	 code[65];
	char	 message[512];
	char	 key[80];	/* card notices: what makes it unique */
};

/* Queues notice `kind` (upcoming, receipt, failed, past_due, card_30,
 * card_7) once, inside the caller's transaction: a second call for the
 * same (kind, installment, attempt) or card key changes nothing. */
int	 autopay_notice(const struct autopay_env *, struct db *, const char *kind,
	    const struct autopay_facts *);

#endif
