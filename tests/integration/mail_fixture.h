/* Shared by the email suites (test_mail.c: outbox, messages, templates,
 * notices; test_mailer.c: delivery, backoff, retries, crashes,
 * concurrent mailers, the programs): the stack's config and database, the
 * SMTP catcher's Maildir, MIME decoding, outbox rows. */
#ifndef MAIL_FIXTURE_H
#define MAIL_FIXTURE_H

#include <check.h>
#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "cfg.h"
#include "mailer.h"

struct db;

#define TC_TIMEOUT	180
#define MAX_MAILS	16
#define NCONC		30	/* messages in the concurrency test */
#define NMAILERS	3


extern struct config cfg;
extern struct db *db;
extern const char *maildir, *env_sh, *itest_dir, *ctl;

struct mail {
	char	 name[256];
	char	*data;
};

struct row {
	char	 status[16];
	int64_t	 attempts, next_attempt_at, lease_until, sent_at;
	char	 lease_owner[128], message_id[300], last_error[1024];
};

struct enq {
	const char	*to, *subject, *text, *html;
	int64_t		 id;
	int		 rollback;
};

void setup(void);
void teardown(void);
int mail_cmp(const void *a, const void *b);
char *slurp(const char *path);
size_t mails_for(const char *to, struct mail *out, size_t max);
void mails_free(struct mail *m, size_t n);
size_t count_for(const char *to);
int header(const char *msg, const char *name, char *out, size_t outsz);
int b64val(char c);
void b64_decode(const char *s, size_t n, struct buf *out);
void rfc2047_decode(const char *s, struct buf *out);
int hexval(char c);
void qp_decode(const char *s, size_t n, struct buf *out);
void mime_part(const char *msg, const char *type, struct buf *out);
void row_get(int64_t id, struct row *r);
int enq_tx(struct db *d, void *arg);
int64_t enqueue(const char *to, const char *subject);
struct mailer_stats run_mailer(void);
void unique_addr(char *out, size_t outsz, const char *prefix);
void set_str(char **field, const char *v);
int jobs_ctl(const char *what);
/* Runs s with the stack's billing-jobs stopped (its log checked for
 * sanitizer reports), then starts it again: the exit status. */
int	 mail_suite_run(Suite *s);

#endif
