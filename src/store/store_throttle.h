/* Login attempts table: one row per staff or portal login attempt, read
 * by the login throttle. Functions return a db_status (0 is DB_OK). */
#ifndef STORE_THROTTLE_H
#define STORE_THROTTLE_H

#include <stdint.h>

struct db;

/* Failed attempts for (kind, email) after max(since, the last success
 * after since): *count and the oldest one's time (0 when none). */
int	 store_throttle_failures_email(struct db *, const char *kind,
	    const char *email, int64_t since, int64_t *count, int64_t *oldest);
/* Failed attempts from ip after since, any kind and email. */
int	 store_throttle_failures_ip(struct db *, const char *ip, int64_t since,
	    int64_t *count, int64_t *oldest);
int	 store_throttle_record(struct db *, const char *kind, const char *email,
	    const char *ip, int success, int64_t now);

#endif
