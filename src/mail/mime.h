/* The text of an email as sent over SMTP: RFC 5322 headers (Date, From,
 * To, Subject, Message-ID, MIME-Version) and a MIME body, 7-bit clean. */
#ifndef MIME_H
#define MIME_H

#include <stddef.h>
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

/* A file attached to a message (multipart/mixed, base64). filename: our
 * own name ([A-Za-z0-9._-], at most 100 characters); type: its MIME type. */
struct mime_attachment {
	const char		*filename;
	const char		*type;		/* "application/pdf" */
	const unsigned char	*data;
	size_t			 len;
};

/* mime_message() with att attached (NULL: none): the text/html parts then
 * go first in a multipart/mixed message. NULL also for a bad filename. */
char	*mime_message_att(const char *from, const char *org_name, const char *to,
	    const char *subject, const char *text, const char *html,
	    const struct mime_attachment *att, const char *message_id,
	    int64_t date);

#endif
