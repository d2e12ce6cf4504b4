/* Locations, the service catalog and payment types (admin-managed lists). */
#ifndef CATALOG_H
#define CATALOG_H

#include <stddef.h>
#include <stdint.h>

struct db;
struct actor;

struct location {
	int64_t	 id;
	char	 name[201];
	char	 address[501];
	int	 active;
};

struct service {
	int64_t	 id;
	char	 code[33];
	char	 name[201];
	int64_t	 default_rate;	/* cents */
	int	 active;
};

struct payment_type {
	int64_t	 id;
	char	 code[33];
	char	 name[101];
	int	 active;
	int	 sort;
};

enum catalog_status {
	CAT_OK = 0,
	CAT_DUP = 1,		/* name/code already used */
	CAT_NOT_FOUND = 2,
	CAT_DB = -1,
};

/* Create when id == 0 (id filled in), else update. Audited. */
int	 location_save(struct db *, const struct actor *, struct location *);
int	 location_get(struct db *, int64_t id, struct location *);
/* active_only: 1 lists active rows only. Caller frees *out. */
int	 location_list(struct db *, int active_only, struct location **out, size_t *n);

int	 service_save(struct db *, const struct actor *, struct service *);
int	 service_get(struct db *, int64_t id, struct service *);
int	 service_list(struct db *, int active_only, struct service **out, size_t *n);

int	 payment_type_save(struct db *, const struct actor *, struct payment_type *);
int	 payment_type_get(struct db *, int64_t id, struct payment_type *);
int	 payment_type_list(struct db *, int active_only, struct payment_type **out,
	    size_t *n);

#endif
