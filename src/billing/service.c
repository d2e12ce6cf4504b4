/* The service's database connection (service.h). */
#include "common.h"

#include "db.h"
#include "service.h"
#include "str.h"

struct db *
service_open(const struct config *cfg)
{
	return db_new(cfg);
}

void
service_close(struct db *db)
{
	db_close(db);
}

int
service_ready(struct db *db)
{
	return db_ensure(db) == DB_OK ? 0 : -1;
}

int
service_health(struct db *db, char *node, size_t nodesz)
{
	if (db_ping(db) != DB_OK)
		return -1;
	str_copy(node, nodesz, db_node(db));
	return 0;
}

const char *
service_error(struct db *db)
{
	return db_error(db);
}
