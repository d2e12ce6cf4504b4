#include "common.h"
#include "log.h"
#include "clock.h"

#include <unistd.h>

static const char *prog = "billing";

void
log_set_prog(const char *p)
{
	prog = p;
}

static void
log_v(const char *level, const char *fmt, va_list ap)
{
	char msg[2048], ts[32];

	vsnprintf(msg, sizeof(msg), fmt, ap);
	clock_fmt_datetime(clock_now(), ts, sizeof(ts));
	fprintf(stderr, "%s %s[%ld] %s: %s\n", ts, prog, (long)getpid(), level, msg);
}

void
log_info(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_v("info", fmt, ap);
	va_end(ap);
}

void
log_warn(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_v("warn", fmt, ap);
	va_end(ap);
}

void
log_err(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_v("error", fmt, ap);
	va_end(ap);
}

void
log_request(const char *reqid, const char *method, const char *path,
    int status, int64_t dur_us)
{
	log_info("req=%s %s %s %d %" PRId64 ".%03" PRId64 "ms", reqid, method,
	    path, status, dur_us / 1000, dur_us % 1000);
}
