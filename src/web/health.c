#include "common.h"

#include "app.h"
#include "handlers.h"
#include "service.h"
#include "str.h"

/* The node in use as a JSON string body: host:port or a socket path from
 * the config; anything but a plain printable character becomes '?'. */
static void
health_node(char *s)
{
	for (; *s != '\0'; s++)
		if (*s < 0x20 || *s > 0x7e || *s == '"' || *s == '\\')
			*s = '?';
}

int
h_healthz(struct ctx *c)
{
	char node[300], body[400];

	c->resp.no_store = 1;
	if (service_health(c->app->db, node, sizeof(node)) != 0)
		return app_json(c, 503, "{\"status\":\"unavailable\",\"db\":\"down\"}\n");
	health_node(node);
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
