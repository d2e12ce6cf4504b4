/* Accounts (responsible parties), clients and inquiries (clients at stage
 * "inquiry"). */
#ifndef PROFILES_H
#define PROFILES_H

#include <stddef.h>
#include <stdint.h>

struct db;
struct actor;

struct account {
	int64_t	 id;
	char	 name[201];
	char	 email[255];	/* "" = none; unique when set: the portal login */
	char	 phone[41];
	char	 address1[201];
	char	 address2[201];
	char	 city[101];
	char	 region[101];
	char	 postal_code[21];
	int64_t	 location_id;	/* 0 = none */
	int64_t	 created_at;
	char	 language[8];	/* "en" | "es"; "" on save: keep (new: "en") */
};

struct client {
	int64_t	 id;
	int64_t	 account_id;
	char	 stage[8];	/* "inquiry" | "client" */
	char	 first_name[101];
	char	 last_name[101];
	char	 birth_date[11];	/* "" or YYYY-MM-DD */
	char	 email[255];
	char	 phone[41];
	int64_t	 location_id;
	int64_t	 converted_at;	/* 0 while an inquiry */
	int64_t	 created_at;
	char	 account_name[201];	/* filled by get/search */
};

enum profile_status {
	PROF_OK = 0,
	PROF_DUP_EMAIL = 1,	/* account primary email already used */
	PROF_NOT_FOUND = 2,
	PROF_NOT_INQUIRY = 3,	/* convert: already a client */
	PROF_INVALID = 4,	/* a value outside its set (language) */
	PROF_DB = -1,
};

/* Page of a list: newest first, keyset pagination by id. */
struct page_req {
	const char	*q;		/* search text or NULL: name/email prefix, or an id */
	int64_t		 before_id;	/* 0: first page */
	size_t		 limit;		/* 1..200 */
};

int	 account_save(struct db *, const struct actor *, struct account *);
/* The account's language ("en" | "es", the catalogs we ship): PROF_OK (also
 * when unchanged), PROF_INVALID for another value; audited when changed. */
int	 account_set_language(struct db *, const struct actor *, int64_t id,
	    const char *lang);
int	 account_language_ok(const char *);
int	 account_get(struct db *, int64_t id, struct account *);
/* *out holds up to limit rows (caller frees); *more = 1 when another page exists. */
int	 account_search(struct db *, const struct page_req *, struct account **out,
	    size_t *n, int *more);
int	 account_clients(struct db *, int64_t account_id, struct client **out, size_t *n);

/* Create (id == 0) or update. On create with account_id == 0 an account is
 * created from the client's name, email and phone (the client pays for
 * themself). New rows start at stage "inquiry" unless stage is "client". */
int	 client_save(struct db *, const struct actor *, struct client *);
int	 client_get(struct db *, int64_t id, struct client *);
/* stage: "inquiry", "client" or NULL for both. */
int	 client_search(struct db *, const char *stage, const struct page_req *,
	    struct client **out, size_t *n, int *more);
/* Inquiry -> client; every invoice, payment and entry stays attached. */
int	 client_convert(struct db *, const struct actor *, int64_t id);

#endif
