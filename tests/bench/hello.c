/* The ceiling for tests/bench/bench-http: a bare libfcgi "hello" (no
 * database, no templates, no routing) served by the same nginx as billingd.
 *
 *   hello SOCKET [WORKERS]
 *	Listens on the unix socket SOCKET and forks WORKERS (default 2, like
 *	the test stack's billingd) accept loops; each answers every request
 *	with a 6-byte text/plain body. Runs until killed (SIGTERM). */
#include "common.h"

#include <signal.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fcgiapp.h>

#include "str.h"

static void
serve(int fd)
{
	FCGX_Request req;

	/* killing the master (by its pid) ends the workers too */
	prctl(PR_SET_PDEATHSIG, SIGTERM);
	if (FCGX_InitRequest(&req, fd, 0) != 0)
		_exit(1);
	while (FCGX_Accept_r(&req) >= 0) {
		FCGX_PutS("Status: 200 OK\r\nContent-Type: text/plain\r\n"
		    "Content-Length: 6\r\n\r\nhello\n", req.out);
		FCGX_Finish_r(&req);
	}
	_exit(0);
}

int
main(int argc, char **argv)
{
	int64_t workers = 2;
	int fd;

	if (argc < 2 || argc > 3 || (argc == 3 &&
	    str_to_i64(argv[2], 1, 64, &workers) == -1)) {
		fprintf(stderr, "usage: hello SOCKET [WORKERS]\n");
		return 2;
	}
	if (FCGX_Init() != 0 || (fd = FCGX_OpenSocket(argv[1], 128)) < 0) {
		fprintf(stderr, "hello: cannot listen on %s\n", argv[1]);
		return 1;
	}
	chmod(argv[1], 0777);
	for (int64_t i = 0; i < workers; i++)
		if (fork() == 0)
			serve(fd);
	while (wait(NULL) > 0)
		;
	return 0;
}
