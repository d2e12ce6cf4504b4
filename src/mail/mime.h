/* The text of an email as sent over SMTP: RFC 5322 headers (Date, From,
 * To, Subject, Message-ID, MIME-Version) and a MIME body, 7-bit clean. */
#ifndef MIME_H
#define MIME_H

#include <stdint.h>

/* from: the From address; org_name: its display name (quoted, or RFC 2047
 * encoded when not ASCII); subject: UTF-8, RFC 2047 encoded when not plain
 * ASCII; text/html: the parts (html NULL: a text/plain message, else
 * multipart/alternative), quoted-printable; date: unix seconds of the Date
 * header (the mailer passes the enqueue time, so every send of a row is the
 * same bytes). The boundary derives from message_id. CRLF line ends; lines
 * within 78 columns (quoted-printable ones within 76). Returns a malloc'd
 * string (caller frees) or NULL. */
char	*mime_message(const char *from, const char *org_name, const char *to,
	    const char *subject, const char *text, const char *html,
	    const char *message_id, int64_t date);

/* A file attached to a message: base64 is its content, base64 encoded
 * (no line breaks; mime_base64() makes it). */
struct mime_att {
	const char	*filename;	/* plain ASCII, no quotes */
	const char	*content_type;	/* "application/pdf" */
	const char	*base64;
};

/* mime_message() with attachments: with natt > 0 the body is
 * multipart/mixed (the text/html alternative first, then each file as a
 * base64 part in 76-column lines). natt == 0: exactly mime_message(). */
char	*mime_message_att(const char *from, const char *org_name, const char *to,
	    const char *subject, const char *text, const char *html,
	    const char *message_id, int64_t date, const struct mime_att *att,
	    size_t natt);

/* data as base64 without line breaks; malloc'd (caller frees) or NULL. */
char	*mime_base64(const void *data, size_t len);

#endif
