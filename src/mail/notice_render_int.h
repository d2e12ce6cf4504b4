/* Internals shared by notice_render*.c; not an API. */
#ifndef NOTICE_RENDER_INT_H
#define NOTICE_RENDER_INT_H

#include <stddef.h>
#include <stdint.h>

#include "store_profile.h"

struct mailer_notice;
struct notice_render_env;
struct tmpl_vars;

/* One notice being rendered. */
struct nr {
	const struct notice_render_env	*env;
	const struct mailer_notice	*n;
	struct tmpl_vars		*v;
	struct store_account		 a;	/* fact "account"; id 0: none */
	const char			*lang;	/* "en" | "es" */
	char				*err;
	size_t				 errsz;
};

/* Fact key of the notice (%XX decoded) into out; "" when absent. */
const char *notice_render_fact(const struct nr *, const char *key, char *out,
	    size_t outsz);
/* 1 when the notice has the fact key (even empty), else 0. */
int	 notice_render_fact_has(const struct nr *, const char *key);
/* Fact key as an integer; def when absent or not a number. */
int64_t	 notice_render_fact_i64(const struct nr *, const char *key, int64_t def);
/* Fact key (cents) formatted as money into var. */
void	 notice_render_money(struct nr *, const char *var, const char *key);
/* "<base_url><path>" (base without its trailing '/') into var. 0 / -1. */
int	 notice_render_url(struct nr *, const char *var, const char *fmt, ...)
	    __attribute__((format(printf, 3, 4)));

/* The fill functions (notice_render_pay.c): 0, -1 transient, -2 permanent. */
int	 notice_render_payment(struct nr *);
int	 notice_render_plan(struct nr *);
int	 notice_render_autopay(struct nr *);
int	 notice_render_statement(struct nr *);

#endif
