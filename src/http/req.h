/* Request input parsing and validation. Pure functions: no FastCGI here,
 * so they can be unit-tested and fuzzed. */
#ifndef REQ_H
#define REQ_H

#include <stddef.h>
#include <stdint.h>

#include "kv.h"

struct json_object;

#define REQ_MAX_PAIRS	256
#define REQ_MAX_KEY	128
#define REQ_MAX_VALUE	(64u * 1024)
#define REQ_JSON_DEPTH	16

enum req_status {
	REQ_OK = 0,
	REQ_ENOMEM = -1,
	REQ_EBADENC = -2,	/* bad percent-encoding or invalid UTF-8 */
	REQ_ETOOMANY = -3,	/* more than max pairs */
	REQ_ETOOLONG = -4,	/* key or value over limit */
	REQ_EJSON = -5,		/* not JSON / too deep / not an object */
};

/* application/x-www-form-urlencoded and query strings: '+' is space,
 * %XX decoded, pairs split on '&' (empty pairs skipped, "k" alone = "k=").
 * Decoded keys/values must be valid UTF-8 without NUL. Appends to out. */
enum req_status req_parse_urlencoded(const char *, size_t, struct kvlist *out);
/* Cookie header: "a=1; b=2". Malformed pairs are skipped, never fatal. */
enum req_status req_parse_cookies(const char *, struct kvlist *out);
/* JSON body: must be an object, depth <= REQ_JSON_DEPTH, valid UTF-8.
 * No key twice in one object. On success *out is a new reference
 * (json_object_put it). err gets a message naming the position and reason. */
enum req_status req_parse_json(const char *, size_t, struct json_object **out,
	    char *err, size_t errsz);
/* The same; a key given twice in any object (nested too) is REQ_EJSON and
 * its name goes to key (cut to keysz) when key is not NULL. */
enum req_status req_parse_json_ex(const char *, size_t, struct json_object **out,
	    char *err, size_t errsz, char *key, size_t keysz);
/* Top-level scalars of a JSON object as strings (true/false -> "1"/"0",
 * null skipped; numbers as written). Nested objects/arrays are skipped. */
enum req_status req_json_to_kv(struct json_object *, struct kvlist *out);
/* One uploaded file of a multipart/form-data body; data points into the
 * body (valid while the body is). */
struct req_upload {
	int		 present;
	char		 name[REQ_MAX_KEY + 1];	/* form field name */
	char		 filename[256];		/* as the browser sent it (not trusted) */
	char		 ctype[128];		/* as the browser sent it (not trusted) */
	const char	*data;
	size_t		 len;
};
/* multipart/form-data: ctype is the request's Content-Type (with boundary).
 * Text parts are appended to form (valid UTF-8, no NUL, the same limits as
 * urlencoded); one file part at most goes to *file. */
enum req_status req_parse_multipart(const char *body, size_t len,
	    const char *ctype, struct kvlist *form, struct req_upload *file);
/* Percent-decoding of one component (for path params). Returns malloc'd
 * string or NULL on bad encoding. */
char	*req_url_decode(const char *, size_t, int plus_is_space);

/* --- Field tables (kcgi's kvalid idea) --------------------------------- */

enum field_type {
	FIELD_TEXT,	/* multi-line text, trimmed */
	FIELD_LINE,	/* single line: no control chars, trimmed */
	FIELD_PASSWORD,	/* any text, not trimmed */
	FIELD_INT,	/* strict integer in [min,max] */
	FIELD_ID,	/* positive int64 */
	FIELD_MONEY,	/* money_parse() -> cents, in [min,max] when min < max */
	FIELD_EMAIL,	/* local@domain.tld, lower-cased domain */
	FIELD_DATE,	/* YYYY-MM-DD, a real calendar date */
	FIELD_BOOL,	/* checkbox: absent = 0; "1"/"on"/"true"/"yes" = 1, "0"/"off"/"false"/"no" = 0 */
	FIELD_ENUM,	/* one of choices[] */
	FIELD_TOKEN,	/* base64url / hex token chars only */
	FIELD__MAX
};

#define FIELD_REQUIRED	0x1u

struct field {
	const char		*name;
	enum field_type		 type;
	unsigned		 flags;
	size_t			 maxlen;	/* 0: type default (LINE 200, TEXT 10000, ...) */
	int64_t			 min, max;	/* INT/MONEY range when min < max */
	const char *const	*choices;	/* ENUM: NULL-terminated */
	const char		*label;		/* "Amount": used in messages */
};

struct field_value {
	int		 present;	/* given and non-empty (BOOL: always 1) */
	const char	*s;		/* normalized text (owned by the field_set) */
	int64_t		 i;		/* INT/ID/MONEY/BOOL, DATE as YYYYMMDD, ENUM index */
};

struct field_error {
	const char	*field;		/* field name */
	char		 msg[160];	/* "Amount must be a number like 12.34" */
};

#define FIELD_MAX_ERRORS	16

struct field_set {
	size_t			 n;
	struct field_value	*v;	/* n values, same order as the spec */
	size_t			 nerr;
	struct field_error	 err[FIELD_MAX_ERRORS];
	struct kvlist		 norm;	/* storage for normalized strings */
};

/* Names always accepted besides the spec (e.g. the CSRF token field). */
#define FIELD_ALWAYS_ALLOWED	"_csrf"

/* Validates in against spec[0..n). Rules: each field at most once
 * ("X was given more than once"), required fields present, values valid for
 * their type; names not in spec (other than FIELD_ALWAYS_ALLOWED) are an error
 * when reject_unknown is set. Returns 0 when nerr == 0, else -1; fs is filled
 * either way and must be released with field_set_free(). */
int	 fields_validate(const struct field *spec, size_t n,
	    const struct kvlist *in, int reject_unknown, struct field_set *fs);
void	 field_set_free(struct field_set *);
/* First error message for a field name, or NULL. */
const char *field_set_error(const struct field_set *, const char *name);

#endif
