/* Route handlers (web layer): they know HTTP and views, not SQL. */
#ifndef HANDLERS_H
#define HANDLERS_H

#include "req.h"

struct ctx;

int	 h_healthz(struct ctx *);
int	 h_ping(struct ctx *);
int	 h_login_form(struct ctx *);
int	 h_login(struct ctx *);
int	 h_logout(struct ctx *);
int	 h_home(struct ctx *);
int	 h_admin_users(struct ctx *);
int	 h_admin_user_create(struct ctx *);
int	 h_admin_user_disable(struct ctx *);

/* Field tables shared with the route table (sizes fixed here so the table
 * can use them in a constant initializer). */
#define NF_LOGIN	2
#define NF_USER_CREATE	4
extern const struct field f_login[NF_LOGIN];
extern const struct field f_user_create[NF_USER_CREATE];

#endif
