/* Schema migrations: db/migrations/NNNN_name.sql applied in order, each
 * recorded in schema_migrations. Safe to run twice and from two hosts at
 * once (a named server lock serialises runners). */
#ifndef MIGRATE_H
#define MIGRATE_H

struct db;

/* Applies pending migrations from dir; prints what it applied to stdout.
 * Returns 0, or -1 with a message on stderr naming the failing file. */
int	 migrate_run(struct db *, const char *dir);

#endif
