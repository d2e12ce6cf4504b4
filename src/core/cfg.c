#include "common.h"
#include "cfg.h"
#include "str.h"

enum cfg_kind { CFG_STR, CFG_INT };

struct cfg_key {
	const char	*key;
	const char	*env;
	enum cfg_kind	 kind;
	size_t		 off;
	const char	*def;
	int64_t		 min, max;
};

#define S(k, e, f, d) { k, e, CFG_STR, offsetof(struct config, f), d, 0, 0 }
#define I(k, e, f, d, lo, hi) { k, e, CFG_INT, offsetof(struct config, f), d, lo, hi }

static const struct cfg_key keys[] = {
	S("listen", "BILLING_LISTEN", listen, "/run/billing/billingd.sock"),
	I("workers", "BILLING_WORKERS", workers, "0", 0, 256),
	S("webhook_socket", "BILLING_WEBHOOK_SOCKET", webhook_socket, ""),
	I("webhook_workers", "BILLING_WEBHOOK_WORKERS", webhook_workers, "16", 0, 256),
	S("pid_file", "BILLING_PID_FILE", pid_file, ""),
	S("db_host", "DB_HOST", db_host, "localhost"),
	I("db_port", "DB_PORT", db_port, "3306", 1, 65535),
	S("db_socket", "DB_SOCKET", db_socket, ""),
	S("db_name", "DB_NAME", db_name, "billing"),
	S("db_user", "DB_USER", db_user, "billing"),
	S("db_password", "DB_PASSWORD", db_password, ""),
	S("db_hosts", "DB_HOSTS", db_hosts, ""),
	S("templates_dir", "BILLING_TEMPLATES", templates_dir, TOP_SRCDIR "/www/templates"),
	S("migrations_dir", "BILLING_MIGRATIONS", migrations_dir, TOP_SRCDIR "/db/migrations"),
	I("strict_templates", "BILLING_STRICT_TEMPLATES", strict_templates, "0", 0, 1),
	S("base_url", "BILLING_BASE_URL", base_url, "http://127.0.0.1:8080"),
	I("cookie_secure", "BILLING_COOKIE_SECURE", cookie_secure, "0", 0, 1),
	S("secret_key", "BILLING_SECRET_KEY", secret_key, ""),
	I("session_idle", "BILLING_SESSION_IDLE", session_idle, "1800", 60, 86400 * 30),
	I("session_absolute", "BILLING_SESSION_ABSOLUTE", session_absolute, "43200", 60, 86400 * 90),
	I("login_max_account", "BILLING_LOGIN_MAX_ACCOUNT", login_max_account, "5", 1, 1000),
	I("login_max_ip", "BILLING_LOGIN_MAX_IP", login_max_ip, "20", 1, 100000),
	I("login_window", "BILLING_LOGIN_WINDOW", login_window, "900", 10, 86400),
	I("max_body", "BILLING_MAX_BODY", max_body, "1048576", 1024, 64 * 1024 * 1024),
	S("org_name", "BILLING_ORG_NAME", org_name, "Billing"),
	S("org_address", "BILLING_ORG_ADDRESS", org_address, ""),
	S("stripe_secret_key", "STRIPE_SECRET_KEY", stripe_secret_key, ""),
	S("stripe_publishable_key", "STRIPE_PUBLISHABLE_KEY", stripe_publishable_key, ""),
	S("stripe_webhook_secret", "STRIPE_WEBHOOK_SECRET", stripe_webhook_secret, ""),
	S("stripe_api_base", "STRIPE_API_BASE", stripe_api_base, "https://api.stripe.com"),
	S("stripe_js_url", "STRIPE_JS_URL", stripe_js_url, "https://js.stripe.com/v3"),
	I("stripe_webhook_tolerance", "STRIPE_WEBHOOK_TOLERANCE", stripe_webhook_tolerance, "300", 1, 86400),
	I("stripe_timeout", "STRIPE_TIMEOUT", stripe_timeout, "30", 1, 300),
	I("webhook_apply_inline", "BILLING_WEBHOOK_APPLY_INLINE", webhook_apply_inline, "1", 0, 1),
	I("consent_required", "BILLING_CONSENT_REQUIRED", consent_required, "1", 0, 1),
	S("smtp_url", "SMTP_URL", smtp_url, "smtp://127.0.0.1:25"),
	S("smtp_user", "SMTP_USER", smtp_user, ""),
	S("smtp_password", "SMTP_PASSWORD", smtp_password, ""),
	S("smtp_from", "SMTP_FROM", smtp_from, "billing@localhost"),
	S("smtp_tls", "SMTP_TLS", smtp_tls, "try"),
	I("smtp_timeout", "SMTP_TIMEOUT", smtp_timeout, "30", 1, 600),
	I("mail_retry_max", "BILLING_MAIL_RETRY_MAX", mail_retry_max, "10", 1, 100),
	I("mail_retry_base", "BILLING_MAIL_RETRY_BASE", mail_retry_base, "60", 1, 86400),
	I("mail_lease", "BILLING_MAIL_LEASE", mail_lease, "60", 10, 86400),
};

static int
cfg_set(struct config *c, const struct cfg_key *k, const char *v,
    char *err, size_t errsz, const char *where)
{
	char *base = (char *)c;

	if (k->kind == CFG_STR) {
		char **p = (char **)(void *)(base + k->off);
		char *d = strdup(v);

		if (d == NULL)
			return -1;
		free(*p);
		*p = d;
		return 0;
	}
	if (str_to_i64(v, k->min, k->max, (int64_t *)(void *)(base + k->off)) == -1) {
		str_fmt(err, errsz, "%s: %s must be an integer in [%" PRId64
		    ", %" PRId64 "], got \"%s\"", where, k->key, k->min, k->max, v);
		return -1;
	}
	return 0;
}

static const struct cfg_key *
cfg_find(const char *key)
{
	for (size_t i = 0; i < ARRAY_LEN(keys); i++)
		if (strcmp(keys[i].key, key) == 0)
			return &keys[i];
	return NULL;
}

static int
cfg_file(struct config *c, const char *path, char *err, size_t errsz)
{
	FILE *f;
	char line[1024], where[512];
	int lineno = 0, rc = 0;

	if ((f = fopen(path, "r")) == NULL) {
		str_fmt(err, errsz, "%s: %s", path, strerror(errno));
		return -1;
	}
	while (rc == 0 && fgets(line, sizeof(line), f) != NULL) {
		char *eq, *k, *v;
		const struct cfg_key *ck;

		lineno++;
		str_fmt(where, sizeof(where), "%s:%d", path, lineno);
		k = str_trim(line);
		if (*k == '\0' || *k == '#')
			continue;
		if ((eq = strchr(k, '=')) == NULL) {
			str_fmt(err, errsz, "%s: expected key = value", where);
			rc = -1;
			break;
		}
		*eq = '\0';
		k = str_trim(k);
		v = str_trim(eq + 1);
		if ((ck = cfg_find(k)) == NULL) {
			str_fmt(err, errsz, "%s: unknown key \"%s\"", where, k);
			rc = -1;
			break;
		}
		rc = cfg_set(c, ck, v, err, errsz, where);
	}
	fclose(f);
	return rc;
}

/* One db_hosts entry: "/socket/path", "host" or "host:port" ("[v6]:port"). */
static int
cfg_db_node(struct cfg_db_node *n, const char *e, int64_t defport,
    char *err, size_t errsz)
{
	const char *colon = strrchr(e, ':');
	int64_t port = defport;

	memset(n, 0, sizeof(*n));
	if (e[0] == '/') {
		if (str_copy(n->socket, sizeof(n->socket), e) == -1)
			goto bad;
		return 0;
	}
	if (e[0] == '[') {	/* [v6]:port */
		const char *rb = strchr(e, ']');
		colon = rb != NULL && rb[1] == ':' ? rb + 1 : NULL;
		if (rb == NULL || (rb[1] != '\0' && colon == NULL))
			goto bad;
	} else if (colon != NULL && strchr(e, ':') != colon)
		colon = NULL;	/* a bare IPv6 address */
	if (colon != NULL && str_to_i64(colon + 1, 1, 65535, &port) == -1)
		goto bad;
	if (colon == NULL)
		colon = e + strlen(e);
	if (colon == e || (size_t)(colon - e) >= sizeof(n->host))
		goto bad;
	memcpy(n->host, e, (size_t)(colon - e));
	if (n->host[0] == '[') {
		memmove(n->host, n->host + 1, strlen(n->host));
		n->host[strlen(n->host) - 1] = '\0';
	}
	n->port = (int)port;
	return 0;
bad:
	str_fmt(err, errsz, "db_hosts: bad entry \"%s\" (expected host, host:port "
	    "or /path/to/socket)", e);
	return -1;
}

/* db_hosts, else the single db_socket or db_host:db_port. */
static int
cfg_db_nodes(struct config *c, char *err, size_t errsz)
{
	char list[4096], *s, *e;

	c->ndb_nodes = 0;
	if (c->db_hosts[0] == '\0') {
		struct cfg_db_node *n = &c->db_nodes[0];

		memset(n, 0, sizeof(*n));
		if (str_copy(n->socket, sizeof(n->socket), c->db_socket) == -1 ||
		    str_copy(n->host, sizeof(n->host), c->db_host) == -1) {
			str_fmt(err, errsz, "db_socket / db_host too long");
			return -1;
		}
		n->port = (int)c->db_port;
		c->ndb_nodes = 1;
		return 0;
	}
	if (str_copy(list, sizeof(list), c->db_hosts) == -1) {
		str_fmt(err, errsz, "db_hosts too long");
		return -1;
	}
	for (s = list; s != NULL; s = e) {
		if ((e = strchr(s, ',')) != NULL)
			*e++ = '\0';
		s = str_trim(s);
		if (*s == '\0')
			continue;
		if (c->ndb_nodes == CFG_DB_NODES_MAX) {
			str_fmt(err, errsz, "db_hosts: more than %d entries",
			    CFG_DB_NODES_MAX);
			return -1;
		}
		if (cfg_db_node(&c->db_nodes[c->ndb_nodes], s, c->db_port, err,
		    errsz) == -1)
			return -1;
		c->ndb_nodes++;
	}
	if (c->ndb_nodes == 0) {
		str_fmt(err, errsz, "db_hosts: no entry");
		return -1;
	}
	return 0;
}

/* webhook_socket left empty: beside a unix listen socket, "-webhook"
 * before its ".sock" (/run/billing/billingd-webhook.sock); none (no
 * webhook pool) for a host:port listen. */
static int
cfg_webhook_socket(struct config *c, char *err, size_t errsz)
{
	size_t n = strlen(c->listen);
	char *p;

	if (c->webhook_socket[0] == '\0' && c->listen[0] == '/') {
		if (n > 5 && strcmp(c->listen + n - 5, ".sock") == 0)
			n -= 5;
		if ((p = malloc(n + sizeof("-webhook.sock"))) == NULL) {
			str_fmt(err, errsz, "out of memory");
			return -1;
		}
		memcpy(p, c->listen, n);
		memcpy(p + n, "-webhook.sock", sizeof("-webhook.sock"));
		free(c->webhook_socket);
		c->webhook_socket = p;
	}
	if (c->webhook_socket[0] != '\0' &&
	    strcmp(c->webhook_socket, c->listen) == 0) {
		str_fmt(err, errsz, "webhook_socket must differ from listen (%s)",
		    c->listen);
		return -1;
	}
	return 0;
}

int
config_load(struct config *c, const char *path, char *err, size_t errsz)
{
	size_t i;

	memset(c, 0, sizeof(*c));
	for (i = 0; i < ARRAY_LEN(keys); i++)
		if (cfg_set(c, &keys[i], keys[i].def, err, errsz, "default") == -1)
			return -1;
	if (path != NULL && cfg_file(c, path, err, errsz) == -1)
		return -1;
	for (i = 0; i < ARRAY_LEN(keys); i++) {
		const char *v = getenv(keys[i].env);
		if (v != NULL && cfg_set(c, &keys[i], v, err, errsz, keys[i].env) == -1)
			return -1;
	}
	if (strlen(c->secret_key) < 32) {
		str_fmt(err, errsz, "secret_key (BILLING_SECRET_KEY) must be at least "
		    "32 characters (e.g. openssl rand -hex 32)");
		return -1;
	}
	if (cfg_webhook_socket(c, err, errsz) == -1)
		return -1;
	return cfg_db_nodes(c, err, errsz);
}

void
config_free(struct config *c)
{
	for (size_t i = 0; i < ARRAY_LEN(keys); i++)
		if (keys[i].kind == CFG_STR)
			free(*(char **)(void *)((char *)c + keys[i].off));
	memset(c, 0, sizeof(*c));
}
