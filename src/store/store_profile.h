/* Accounts (responsible parties) and clients (clients and inquiries).
 * Functions return a db_status (0 is DB_OK; DB_DUP for a taken account
 * email) unless said otherwise. */
#ifndef STORE_PROFILE_H
#define STORE_PROFILE_H

#include <stddef.h>
#include <stdint.h>

struct db;

struct store_account {
	int64_t	 id;
	char	 name[201];
	char	 email[255];	/* "" = none (NULL in the row) */
	char	 phone[41];
	char	 address1[201];
	char	 address2[201];
	char	 city[101];
	char	 region[101];
	char	 postal_code[21];
	int64_t	 location_id;	/* 0 = none */
	int64_t	 created_at;
	char	 language[8];
};

struct store_client {
	int64_t	 id;
	int64_t	 account_id;
	char	 stage[8];
	char	 first_name[101];
	char	 last_name[101];
	char	 birth_date[11];	/* "" = none */
	char	 email[255];
	char	 phone[41];
	int64_t	 location_id;	/* 0 = none */
	int64_t	 converted_at;	/* 0 = none */
	int64_t	 created_at;
	char	 account_name[201];	/* read only: the account's name */
};

/* A search: LIKE prefixes (\, % and _ already escaped) and the id the text
 * names (0 when none). first/last: the two parts of "First Last" (last
 * repeats like when the text has no space). */
struct store_profile_search {
	char	 like[401];
	char	 first[401];
	char	 last[401];
	int64_t	 id;
};

/* _get: 1 and the row when found, 0 when not, or a negative db_status;
 * lock: FOR UPDATE (inside a transaction). _search: up to fetch rows with
 * id < before, newest first, into a malloc'd array (NULL when none);
 * q NULL lists everything. */
int	 store_profile_account_insert(struct db *, const struct store_account *,
	    int64_t now, int64_t *id);
/* Every column but created_at; language "" keeps the stored one. */
int	 store_profile_account_update(struct db *, const struct store_account *,
	    int64_t now);
/* *changed is 1 when the language was another one. */
int	 store_profile_account_set_language(struct db *, int64_t id,
	    const char *lang, int64_t now, int *changed);
int	 store_profile_account_get(struct db *, int64_t id, int lock,
	    struct store_account *);
/* 1 and the account row locked (FOR UPDATE), 0 when none, or < 0. */
int	 store_profile_account_lock(struct db *, int64_t id);
/* 1 when an account has this email, 0 when none, or < 0. */
int	 store_profile_account_email_used(struct db *, const char *email);
/* Name, email, id. */
int	 store_profile_account_search(struct db *,
	    const struct store_profile_search *q, int64_t before, int64_t fetch,
	    struct store_account **out, size_t *n);

int	 store_profile_client_insert(struct db *, const struct store_client *,
	    int64_t now, int64_t *id);
/* Names, birth date, email, phone, location (not account or stage). */
int	 store_profile_client_update(struct db *, const struct store_client *,
	    int64_t now);
int	 store_profile_client_get(struct db *, int64_t id, int lock,
	    struct store_client *);
/* The account's clients by id. */
int	 store_profile_client_list(struct db *, int64_t account_id,
	    struct store_client **out, size_t *n);
/* Clients at stage s1 or s2: last name, first name, email, "First Last",
 * id. */
int	 store_profile_client_search(struct db *, const char *s1, const char *s2,
	    const struct store_profile_search *q, int64_t before, int64_t fetch,
	    struct store_client **out, size_t *n);
/* The stage of client id, locked: 1 and stage, 0 when none, or < 0. */
int	 store_profile_client_stage_lock(struct db *, int64_t id, char *stage,
	    size_t stagesz);
/* Stage "client", converted now. */
int	 store_profile_client_convert(struct db *, int64_t id, int64_t now);

#endif
