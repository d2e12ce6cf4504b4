#include "common.h"

#include "app.h"
#include "db.h"
#include "handlers.h"
#include "str.h"

/* The node in use as a JSON string body: host:port or a socket path from
 * the config; anything but a plain printable character becomes '?'. */
static void
health_node(const struct db *db, char *out, size_t outsz)
{
	size_t k = 0;

	for (const char *s = db_node(db); *s != '\0' && k + 1 < outsz; s++)
		out[k++] = (*s < 0x20 || *s > 0x7e || *s == '"' || *s == '\\') ?
		    '?' : *s;
	out[k] = '\0';
}

int
h_healthz(struct ctx *c)
{
	char node[300], body[400];

	c->resp.no_store = 1;
	if (db_ping(c->app->db) != DB_OK)
		return app_json(c, 503, "{\"status\":\"unavailable\",\"db\":\"down\"}\n");
	health_node(c->app->db, node, sizeof(node));
	if (str_fmt(body, sizeof(body), "{\"status\":\"ok\",\"db\":\"ok\","
	    "\"db_node\":\"%s\"}\n", node) == -1)
		return app_json(c, 200, "{\"status\":\"ok\",\"db\":\"ok\"}\n");
	return app_json(c, 200, body);
}

int
h_ping(struct ctx *c)
{
	c->resp.content_type = "text/plain; charset=utf-8";
	return buf_puts(&c->resp.body, "pong\n");
}
