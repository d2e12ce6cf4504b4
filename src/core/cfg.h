/* Configuration: one "key = value" file plus environment overrides.
 * Every key and its environment variable are listed in config.c's table
 * and in the README. */
#ifndef CFG_H
#define CFG_H

#include <stddef.h>
#include <stdint.h>

#define CFG_DB_NODES_MAX	16

/* One database server: a unix socket (socket[0] != 0) or host:port. */
struct cfg_db_node {
	char	 host[256];
	int	 port;
	char	 socket[256];
};

struct config {
	char	*listen;		/* unix socket path, or host:port */
	int64_t	 workers;		/* 0: number of CPUs */
	/* POST /stripe/webhook's own pool (nginx routes it there): workers
	 * that mostly wait on a commit's log flush, so many of them share one.
	 * Empty: listen's path with "-webhook" before ".sock" (none for a
	 * host:port listen); webhook_workers 0: no pool. */
	char	*webhook_socket;
	int64_t	 webhook_workers;
	char	*pid_file;
	char	*db_host;
	int64_t	 db_port;
	char	*db_socket;
	char	*db_name;
	char	*db_user;
	char	*db_password;
	/* db_hosts: "host[:port], ..., /path/to/socket" (Galera nodes, tried in
	 * order); empty: db_socket or db_host:db_port. Parsed into db_nodes. */
	char	*db_hosts;
	struct cfg_db_node db_nodes[CFG_DB_NODES_MAX];
	size_t	 ndb_nodes;
	char	*templates_dir;
	char	*migrations_dir;
	int64_t	 strict_templates;
	char	*base_url;		/* http://127.0.0.1:8080 */
	int64_t	 cookie_secure;		/* 1 behind HTTPS */
	char	*secret_key;		/* >= 32 chars: HMAC key for CSRF tokens */
	int64_t	 session_idle;		/* seconds */
	int64_t	 session_absolute;	/* seconds */
	int64_t	 login_max_account;	/* failures per account per window */
	int64_t	 login_max_ip;		/* failures per IP per window */
	int64_t	 login_window;		/* seconds */
	int64_t	 max_body;		/* bytes */
	char	*org_name;
	char	*org_address;
	/* Stripe. With no secret key the bundled sandbox is used. */
	char	*stripe_secret_key;
	char	*stripe_publishable_key;
	char	*stripe_webhook_secret;
	char	*stripe_api_base;	/* https://api.stripe.com or the sandbox */
	char	*stripe_js_url;		/* https://js.stripe.com/v3 or the sandbox's */
	int64_t	 stripe_webhook_tolerance;	/* seconds */
	int64_t	 stripe_timeout;	/* seconds per request */
	int64_t	 webhook_apply_inline;	/* 1: the receiver applies an event it
					 * stored before answering (the inbox
					 * applier takes what it could not) */
	int64_t	 consent_required;	/* off-session charges need an active consent */
	/* Email (src/mail): SMTP server and the outbox mailer. */
	char	*smtp_url;		/* smtp://host:port or smtps://host:port */
	char	*smtp_user;		/* empty: no AUTH */
	char	*smtp_password;
	char	*smtp_from;		/* envelope and From address */
	char	*smtp_tls;		/* none | try | required (STARTTLS on smtp://) */
	int64_t	 smtp_timeout;		/* seconds per SMTP transaction */
	int64_t	 mail_retry_max;	/* attempts before a message is failed */
	int64_t	 mail_retry_base;	/* seconds before the 2nd attempt, doubling */
	int64_t	 mail_lease;		/* seconds a claimed message stays with its mailer */
};

/* Defaults, then the file (if path != NULL), then the environment.
 * On error returns -1 and writes a message naming the key/line to err. */
int	 config_load(struct config *, const char *path, char *err, size_t errsz);
void	 config_free(struct config *);

#endif
