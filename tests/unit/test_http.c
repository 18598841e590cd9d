// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* test_http.c - the daemons' metrics endpoint: a scraper that hangs up never kills the daemon. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <criterion/criterion.h>

#include "xp_http.h"

static void big(void *ctx, FILE *f)
{
	(void)ctx;
	for (int i = 0; i < 20000; i++)
		fprintf(f, "xpool_test_metric{i=\"%d\"} %d\n", i, i);
}

/*
 * A scraper that gave up (its timeout passed while the daemon was busy) has closed its end when
 * the answer is written: the write fails (EPIPE), and SIGPIPE, at its default, would end the
 * daemon (xpool-monitor died so while a locked registry held it, issue 19).
 */
Test(xp_http, a_scraper_that_hung_up_is_no_signal)
{
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t len = sizeof(sa);
	char where[32];
	/* as xp_http_listen makes it, on a port of the kernel's choice */
	int lfd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);

	cr_assert(lfd >= 0);
	cr_assert_eq(bind(lfd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	cr_assert_eq(listen(lfd, 16), 0);
	cr_assert_eq(signal(SIGPIPE, SIG_DFL) == SIG_ERR, 0);
	cr_assert_eq(getsockname(lfd, (struct sockaddr *)&sa, &len), 0);
	snprintf(where, sizeof(where), "port %u", ntohs(sa.sin_port));
	for (int i = 0; i < 20; i++) {
		int c = socket(AF_INET, SOCK_STREAM, 0);

		cr_assert(c >= 0);
		cr_assert_eq(connect(c, (struct sockaddr *)&sa, sizeof(sa)), 0, "%s", where);
		cr_assert_eq(write(c, "GET /metrics HTTP/1.0\r\n\r\n", 25), 25);
		close(c); /* gone before the answer: its kernel resets what is written to it */
		xp_http_serve(lfd, big, NULL);
	}
	close(lfd);
}
