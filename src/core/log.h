/* Logging to stderr, one line per event; nginx/systemd collect it. */
#ifndef LOG_H
#define LOG_H

#include <stdint.h>

void	 log_set_prog(const char *);
void	 log_info(const char *, ...) __attribute__((format(printf, 1, 2)));
void	 log_warn(const char *, ...) __attribute__((format(printf, 1, 2)));
void	 log_err(const char *, ...) __attribute__((format(printf, 1, 2)));
/* One line per request. */
void	 log_request(const char *reqid, const char *method, const char *path,
	    int status, int64_t dur_us);

#endif
