/* Portal logins: passwords, activation and reset links, sign-in, and the
 * end of a login when the account's primary email changes. */
#include "common.h"

#include <ctype.h>
#include <stdarg.h>

#include "audit.h"
#include "cfg.h"
#include "clock.h"
#include "crypto.h"
#include "db.h"
#include "log.h"
#include "notice.h"
#include "portal.h"
#include "portal_int.h"
#include "profiles.h"
#include "store_portal_login.h"
#include "store_profile.h"
#include "store_session.h"
#include "str.h"

/* --- shared helpers -------------------------------------------------------- */

int
portal_status_of(int rc)
{
	if (rc == DB_OK)
		return PORTAL_OK;
	if (rc > 0 && rc <= PORTAL_THROTTLED)
		return rc;
	return PORTAL_DB;
}

int
portal_token_new(char token[], size_t tokensz, char hash[65])
{
	if (crypto_token(token, tokensz, PORTAL_TOKEN_BYTES) == -1)
		return -1;
	crypto_sha256_hex(token, strlen(token), hash);
	return 0;
}

int
portal_token_hash(const char *token, char hash[65])
{
	size_t n;

	/* Our tokens: 32 bytes as unpadded base64url = 43 characters. */
	if (token == NULL || (n = strlen(token)) != 43)
		return -1;
	for (const char *p = token; *p; p++)
		if (!isalnum((unsigned char)*p) && *p != '-' && *p != '_')
			return -1;
	crypto_sha256_hex(token, n, hash);
	return 0;
}

/* --- passwords ------------------------------------------------------------ */

/* Common passwords of PORTAL_PASSWORD_MIN characters or more (shorter ones
 * fail the length rule anyway), compared case-insensitively. */
static const char *const common_passwords[] = {
	"123456789012", "1234567890123", "12345678901234", "123456789123",
	"1q2w3e4r5t6y", "1qaz2wsx3edc", "qwertyuiopasdfgh", "qwertyuiop12",
	"qwerty123456", "qwertyqwerty", "asdfghjkl123", "zxcvbnm12345",
	"password1234", "password12345", "password123!", "passwordpassword",
	"passw0rdpassw0rd", "p@ssw0rd1234", "p@ssword1234", "iloveyou1234",
	"letmein12345", "welcome12345", "welcome123456", "changeme1234",
	"administrator", "abc123456789", "abcdefghijkl", "abcd1234abcd",
	"111111111111", "000000000000", "aaaaaaaaaaaa", "123123123123",
	"football1234", "baseball1234", "sunshine1234", "princess1234",
	"monkey123456", "dragon123456", "michael12345", "superman1234",
	"trustno1trustno1", "correcthorsebatterystaple",
	"correct horse battery staple", "mypassword123", "mypassword1234",
	"secretpassword", "thisismypassword", "newpassword123",
	"portalpassword", "billingpassword",
};

/* 1 when every character of s is the same one. */
static int
one_char(const char *s)
{
	for (const char *p = s; *p; p++)
		if (*p != *s)
			return 0;
	return 1;
}

int
portal_password_check(const char *pw, const char *email, char *msg, size_t msgsz)
{
	size_t chars = 0;
	const char *at = email ? strchr(email, '@') : NULL;

	if (pw == NULL)
		pw = "";
	for (const unsigned char *p = (const unsigned char *)pw; *p; p++)
		if ((*p & 0xc0) != 0x80)
			chars++;
	if (chars < PORTAL_PASSWORD_MIN) {
		str_fmt(msg, msgsz, "Use at least %d characters.", PORTAL_PASSWORD_MIN);
		return PORTAL_INVALID;
	}
	if (chars > PORTAL_PASSWORD_MAX) {
		str_fmt(msg, msgsz, "Use at most %d characters.", PORTAL_PASSWORD_MAX);
		return PORTAL_INVALID;
	}
	if (email != NULL && (str_ieq(pw, email) || (at != NULL &&
	    (size_t)(at - email) == strlen(pw) && strncasecmp(pw, email,
	    (size_t)(at - email)) == 0))) {
		str_copy(msg, msgsz, "Your password cannot be your email address.");
		return PORTAL_INVALID;
	}
	for (size_t i = 0; i < ARRAY_LEN(common_passwords); i++)
		if (str_ieq(pw, common_passwords[i])) {
			str_copy(msg, msgsz, "This password is too common. "
			    "Choose one that is hard to guess.");
			return PORTAL_INVALID;
		}
	if (one_char(pw)) {
		str_copy(msg, msgsz, "This password is too easy to guess.");
		return PORTAL_INVALID;
	}
	return PORTAL_OK;
}

/* --- logins ------------------------------------------------------------------ */

int
portal_login_get(struct db *db, int64_t account_id, struct portal_login *l)
{
	struct store_portal_login s;
	int rc;

	memset(l, 0, sizeof(*l));
	rc = store_portal_login_get(db, account_id, clock_now(), &s);
	if (rc < 0)
		return PORTAL_DB;
	if (rc == 0)
		return PORTAL_NOT_FOUND;
	l->account_id = s.account_id;
	str_copy(l->email, sizeof(l->email), s.email);
	l->active = s.active;
	l->activated_at = s.activated_at;
	l->last_login_at = s.last_login_at;
	l->link_sent_at = s.link_sent_at;
	l->link_expires_at = s.link_expires_at;
	return PORTAL_OK;
}

/* A new link of purpose for the account: older unused ones of the purpose
 * superseded. token gets the raw token (for the email only). */
static int
token_issue(struct db *db, int64_t account_id, const char *purpose,
    const char *email, int64_t created_by, char token[PORTAL_TOKEN_MAX])
{
	char hash[CRYPTO_SHA256_HEX];
	int64_t now = clock_now();
	int rc;

	if (portal_token_new(token, PORTAL_TOKEN_MAX, hash) == -1)
		return DB_ERR;
	if ((rc = store_portal_login_supersede_purpose(db, account_id, purpose,
	    now)) != DB_OK)
		return rc;
	return store_portal_login_token_insert(db, account_id, purpose, hash,
	    email, now, now + PORTAL_TOKEN_TTL, created_by);
}

/* The activation or reset email: the link's token is sealed in the
 * outbox row, rendered by the mailer (notice.h). */
static int
link_notice(struct db *db, const struct config *cfg, enum notice_kind kind,
    const struct account *a, const char *token)
{
	struct notice n;

	notice_init(&n, kind, a->email, a->language, a->id, "account", a->id);
	notice_fact_i64(&n, "expires_hours", PORTAL_TOKEN_TTL / 3600);
	notice_token(&n, token);
	return notice_enqueue(db, cfg, &n, NULL) == DB_OK ? DB_OK : DB_ERR;
}

struct activation_args {
	const struct portal_env	*env;
	int64_t			 account_id;
};

static int
activation_tx(struct db *db, void *arg)
{
	struct activation_args *x = arg;
	const struct portal_env *env = x->env;
	struct account a;
	char token[PORTAL_TOKEN_MAX];
	int rc;

	/* Lock the account so a concurrent email change waits for us. */
	if ((rc = store_profile_account_lock(db, x->account_id)) <= 0)
		return rc == 0 ? PORTAL_NOT_FOUND : rc;
	rc = account_get(db, x->account_id, &a);
	if (rc != PROF_OK)
		return rc == PROF_NOT_FOUND ? PORTAL_NOT_FOUND : DB_ERR;
	if (a.email[0] == '\0')
		return PORTAL_NO_EMAIL;
	if ((rc = token_issue(db, a.id, "activate", a.email, env->actor->id,
	    token)) != DB_OK)
		return rc;
	rc = link_notice(db, env->cfg, NOTICE_ACTIVATION, &a, token);
	explicit_bzero(token, sizeof(token));
	if (rc != DB_OK)
		return rc;
	return audit_record(db, env->actor, "portal.activation_sent", "account",
	    a.id, a.email);
}

int
portal_send_activation(const struct portal_env *env, int64_t account_id)
{
	struct activation_args x = { env, account_id };

	return portal_status_of(db_tx(env->db, activation_tx, &x));
}

/* The link row of a token still usable (not used, superseded, expired, and
 * sent to the account's current email): id and account, or 0 rows. */
static int
token_find(struct db *db, const char *purpose, const char *token, int lock,
    int64_t *id, int64_t *account_id)
{
	char hash[CRYPTO_SHA256_HEX];
	int rc;

	if (portal_token_hash(token, hash) == -1)
		return PORTAL_BAD_TOKEN;
	rc = store_portal_login_token_find(db, hash, purpose, clock_now(), lock,
	    id, account_id);
	return rc == 0 ? PORTAL_BAD_TOKEN : rc == 1 ? DB_OK : rc;
}

int
portal_token_check(struct db *db, const char *purpose, const char *token,
    int64_t *account_id)
{
	int64_t id;

	return portal_status_of(token_find(db, purpose, token, 0, &id, account_id));
}

struct redeem_args {
	const struct actor	*actor;
	const char		*purpose;
	const char		*token;
	const char		*password;
	int64_t			 account_id;
	char			*msg;
	size_t			 msgsz;
};

static int
redeem_tx(struct db *db, void *arg)
{
	struct redeem_args *x = arg;
	char hash[CRYPTO_PWHASH_MAX];
	struct account a;
	int64_t tid, now = clock_now();
	int rc;

	if ((rc = token_find(db, x->purpose, x->token, 1, &tid,
	    &x->account_id)) != DB_OK)
		return rc;
	if ((rc = account_get(db, x->account_id, &a)) != PROF_OK)
		return rc == PROF_NOT_FOUND ? PORTAL_BAD_TOKEN : DB_ERR;
	if (portal_password_check(x->password, a.email, x->msg, x->msgsz) != PORTAL_OK)
		return PORTAL_INVALID;
	if (crypto_password_hash(x->password, hash) == -1)
		return DB_ERR;
	if ((rc = store_portal_login_token_use(db, tid, now)) != DB_OK)
		return rc;
	rc = store_portal_login_set_password(db, a.id, a.email, hash, now);
	explicit_bzero(hash, sizeof(hash));
	if (rc != DB_OK)
		return rc;
	/* A reset ends every other session (e.g. a stolen one). */
	if ((rc = store_session_delete_subject(db, "portal", a.id)) != DB_OK)
		return rc;
	{
		struct actor act = { "portal", a.id, x->actor ? x->actor->ip : "" };
		return audit_record(db, &act, strcmp(x->purpose, "reset") == 0 ?
		    "portal.password_reset" : "portal.activated", "account", a.id,
		    a.email);
	}
}

int
portal_token_redeem(struct db *db, const struct actor *actor, const char *purpose,
    const char *token, const char *password, int64_t *account_id, char *msg,
    size_t msgsz)
{
	struct redeem_args x = { actor, purpose, token, password, 0, msg, msgsz };
	int rc;

	rc = portal_status_of(db_tx(db, redeem_tx, &x));
	if (rc == PORTAL_OK)
		*account_id = x.account_id;
	return rc;
}

struct reset_args {
	const struct portal_env	*env;
	const char		*email;
};

static int
reset_tx(struct db *db, void *arg)
{
	struct reset_args *x = arg;
	const struct portal_env *env = x->env;
	struct account a;
	char token[PORTAL_TOKEN_MAX];
	int64_t id = 0;
	int rc;

	/* Activated logins of this email without a reset link in the gap. */
	rc = store_portal_login_reset_due(db, x->email, clock_now() -
	    PORTAL_RESET_GAP, &id);
	if (rc <= 0 || id == 0)
		return rc;
	if ((rc = account_get(db, id, &a)) != PROF_OK)
		return rc == PROF_NOT_FOUND ? DB_OK : DB_ERR;
	if ((rc = token_issue(db, a.id, "reset", a.email, 0, token)) != DB_OK)
		return rc;
	rc = link_notice(db, env->cfg, NOTICE_PASSWORD_RESET, &a, token);
	explicit_bzero(token, sizeof(token));
	if (rc != DB_OK)
		return rc;
	{
		struct actor act = { "portal", a.id, env->actor ? env->actor->ip : "" };
		return audit_record(db, &act, "portal.reset_requested", "account",
		    a.id, a.email);
	}
}

int
portal_request_reset(const struct portal_env *env, const char *email)
{
	struct reset_args x = { env, email };

	if (email == NULL || *email == '\0')
		return PORTAL_OK;
	return portal_status_of(db_tx(env->db, reset_tx, &x));
}

int
portal_authenticate(struct db *db, const char *email, const char *password,
    int64_t *account_id)
{
	/* A valid hash of a random password: unknown emails cost the same
	 * argon2 time as known ones. */
	static char dummy[CRYPTO_PWHASH_MAX];
	char hash[CRYPTO_PWHASH_MAX] = "";
	int64_t id = 0;
	int rc, ok;

	if (dummy[0] == '\0') {
		char pw[48];
		crypto_token(pw, sizeof(pw), 24);
		crypto_password_hash(pw, dummy);
	}
	rc = store_portal_login_password(db, email, &id, hash, sizeof(hash));
	if (rc < 0)
		return PORTAL_DB;
	ok = crypto_password_verify(id ? hash : dummy, password ? password : "");
	explicit_bzero(hash, sizeof(hash));
	if (!id || !ok)
		return PORTAL_BAD_LOGIN;
	*account_id = id;
	return PORTAL_OK;
}

int
portal_login_touch(struct db *db, int64_t account_id)
{
	return portal_status_of(store_portal_login_touch(db, account_id,
	    clock_now()));
}

