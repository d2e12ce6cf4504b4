#include "common.h"

#include <dirent.h>

#include "buf.h"
#include "clock.h"
#include "db.h"
#include "migrate.h"
#include "str.h"

static int
is_migration_name(const char *n)
{
	size_t len = strlen(n);

	return len > 9 && n[0] >= '0' && n[0] <= '9' && n[1] >= '0' &&
	    n[1] <= '9' && n[2] >= '0' && n[2] <= '9' && n[3] >= '0' &&
	    n[3] <= '9' && n[4] == '_' && strcmp(n + len - 4, ".sql") == 0;
}

static int
cmp_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int
read_file(const char *path, struct buf *out)
{
	char chunk[8192];
	size_t n;
	FILE *f = fopen(path, "r");

	if (f == NULL)
		return -1;
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		if (buf_append(out, chunk, n) == -1) {
			fclose(f);
			return -1;
		}
	fclose(f);
	return 0;
}

static int
applied(struct db *db, const char *name)
{
	struct db_result r;
	struct db_param p[] = { DB_STR(name) };
	int rc = db_query(db,
	    "SELECT 1 FROM schema_migrations WHERE version = ?", p, 1, &r);
	int yes = rc == DB_OK && r.nrows > 0;

	db_result_free(&r);
	return rc != DB_OK ? -1 : yes;
}

static int
apply_one(struct db *db, const char *dir, const char *name)
{
	char path[4096];
	struct buf sql;
	struct db_param p[] = { DB_STR(name), DB_I64(clock_now()) };
	int rc = -1;

	buf_init(&sql, 16u * 1024 * 1024);
	if (str_fmt(path, sizeof(path), "%s/%s", dir, name) == -1 ||
	    read_file(path, &sql) == -1) {
		fprintf(stderr, "migrate: cannot read %s: %s\n", path, strerror(errno));
		goto out;
	}
	if (db_exec_script(db, buf_cstr(&sql)) != DB_OK) {
		fprintf(stderr, "migrate: %s failed: %s\n", name, db_error(db));
		goto out;
	}
	if (db_exec(db, "INSERT INTO schema_migrations (version, applied_at) "
	    "VALUES (?, ?)", p, 2, NULL, NULL) != DB_OK) {
		fprintf(stderr, "migrate: recording %s: %s\n", name, db_error(db));
		goto out;
	}
	printf("applied %s\n", name);
	rc = 0;
out:
	buf_free(&sql);
	return rc;
}

static int
lock_migrations(struct db *db, int take)
{
	struct db_result r;
	int rc;

	rc = take ? db_query(db, "SELECT GET_LOCK('billing_migrate', 120)", NULL, 0, &r)
	    : db_query(db, "SELECT RELEASE_LOCK('billing_migrate')", NULL, 0, &r);
	if (rc == DB_OK && take && db_i64(&r, 0, 0) != 1)
		rc = DB_ERR;
	db_result_free(&r);
	return rc == DB_OK ? 0 : -1;
}

int
migrate_run(struct db *db, const char *dir)
{
	DIR *d;
	struct dirent *de;
	char **names = NULL;
	size_t n = 0, cap = 0, i, done = 0;
	int rc = -1;

	if (db_exec_script(db, "CREATE TABLE IF NOT EXISTS schema_migrations ("
	    "version VARCHAR(255) NOT NULL PRIMARY KEY, applied_at BIGINT NOT NULL"
	    ") ENGINE=InnoDB DEFAULT CHARSET=utf8mb4") != DB_OK) {
		fprintf(stderr, "migrate: %s\n", db_error(db));
		return -1;
	}
	if ((d = opendir(dir)) == NULL) {
		fprintf(stderr, "migrate: %s: %s\n", dir, strerror(errno));
		return -1;
	}
	while ((de = readdir(d)) != NULL) {
		if (!is_migration_name(de->d_name))
			continue;
		if (n == cap) {
			char **nn = realloc(names, (cap = cap ? cap * 2 : 16) * sizeof(*nn));
			if (nn == NULL)
				goto out;
			names = nn;
		}
		if ((names[n] = strdup(de->d_name)) == NULL)
			goto out;
		n++;
	}
	qsort(names, n, sizeof(*names), cmp_names);
	if (lock_migrations(db, 1) == -1) {
		fprintf(stderr, "migrate: could not take the migration lock\n");
		goto out;
	}
	for (i = 0; i < n; i++) {
		int a = applied(db, names[i]);
		if (a == -1 || (a == 0 && apply_one(db, dir, names[i]) == -1))
			break;
		done += a == 0;
	}
	lock_migrations(db, 0);
	if (i == n) {
		printf("migrations: %zu applied, %zu total\n", done, n);
		rc = 0;
	}
out:
	closedir(d);
	for (i = 0; i < n; i++)
		free(names[i]);
	free(names);
	return rc;
}
