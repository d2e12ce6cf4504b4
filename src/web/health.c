#include "common.h"

#include "app.h"
#include "db.h"
#include "handlers.h"

int
h_healthz(struct ctx *c)
{
	c->resp.no_store = 1;
	if (db_ping(c->app->db) != DB_OK)
		return app_json(c, 503, "{\"status\":\"unavailable\",\"db\":\"down\"}\n");
	return app_json(c, 200, "{\"status\":\"ok\",\"db\":\"ok\"}\n");
}

int
h_ping(struct ctx *c)
{
	c->resp.content_type = "text/plain; charset=utf-8";
	return buf_puts(&c->resp.body, "pong\n");
}
