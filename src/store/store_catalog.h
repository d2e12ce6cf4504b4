/* The admin-managed lists: locations, services, payment_types. Functions
 * return a db_status (0 is DB_OK; DB_DUP for a duplicate name/code) unless
 * said otherwise. */
#ifndef STORE_CATALOG_H
#define STORE_CATALOG_H

#include <stddef.h>
#include <stdint.h>

struct db;

struct store_location {
	int64_t	 id;
	char	 name[201];
	char	 address[501];
	int	 active;
};

struct store_service {
	int64_t	 id;
	char	 code[33];
	char	 name[201];
	int64_t	 default_rate;	/* cents */
	int	 active;
};

struct store_payment_type {
	int64_t	 id;
	char	 code[33];
	char	 name[101];
	int	 active;
	int	 sort;
};

/* _get: 1 and the row when found, 0 when not, or a negative db_status;
 * lock: read with FOR UPDATE (inside a transaction).
 * _list: a malloc'd array (NULL when none); active_only: active rows only. */
int	 store_catalog_location_insert(struct db *, const struct store_location *,
	    int64_t now, int64_t *id);
int	 store_catalog_location_update(struct db *, const struct store_location *);
int	 store_catalog_location_get(struct db *, int64_t id, int lock,
	    struct store_location *);
/* By name. */
int	 store_catalog_location_list(struct db *, int active_only,
	    struct store_location **out, size_t *n);

int	 store_catalog_service_insert(struct db *, const struct store_service *,
	    int64_t now, int64_t *id);
int	 store_catalog_service_update(struct db *, const struct store_service *);
int	 store_catalog_service_get(struct db *, int64_t id, int lock,
	    struct store_service *);
/* By code. */
int	 store_catalog_service_list(struct db *, int active_only,
	    struct store_service **out, size_t *n);

int	 store_catalog_payment_type_insert(struct db *,
	    const struct store_payment_type *, int64_t *id);
int	 store_catalog_payment_type_update(struct db *,
	    const struct store_payment_type *);
int	 store_catalog_payment_type_get(struct db *, int64_t id, int lock,
	    struct store_payment_type *);
/* By sort, then name. */
int	 store_catalog_payment_type_list(struct db *, int active_only,
	    struct store_payment_type **out, size_t *n);

#endif
