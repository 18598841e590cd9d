// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* xp_http.c - a minimal HTTP endpoint for Prometheus text, served from the main loop. */
#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "xp_http.h"
#include "xp_log.h"
#include "xp_parse.h"

int xp_http_listen(const char *hostport)
{
	struct sockaddr_storage sa;
	socklen_t len;
	int fd = -1, one = 1, ret;

	if (xp_parse_hostport(hostport, 0, &sa, &len)) {
		xp_err("%s: not a numeric ADDR:PORT", hostport);
		return -EINVAL;
	}
	fd = socket(sa.ss_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) ||
	    bind(fd, (struct sockaddr *)&sa, len) || listen(fd, 16)) {
		ret = -errno;
		xp_err("%s: cannot listen: %s", hostport, strerror(-ret));
		if (fd >= 0)
			close(fd);
		fd = ret;
	}
	return fd;
}

void xp_http_serve(int lfd, void (*render)(void *ctx, FILE *f), void *ctx)
{
	struct pollfd pfd;
	char req[1024], *body = NULL, head[256];
	size_t body_len = 0;
	ssize_t n;
	FILE *mem;
	int fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);

	if (fd < 0)
		return;
	/* the request line is all we need; a scraper sends it at once */
	pfd = (struct pollfd){ .fd = fd, .events = POLLIN };
	if (poll(&pfd, 1, 200) <= 0 || (n = read(fd, req, sizeof(req) - 1)) <= 0)
		goto out;
	req[n] = 0;
	mem = open_memstream(&body, &body_len);
	if (!mem)
		goto out;
	if (!strncmp(req, "GET /metrics", 12) || !strncmp(req, "GET / ", 6))
		render(ctx, mem);
	fclose(mem);
	if (!strncmp(req, "GET /metrics", 12) || !strncmp(req, "GET / ", 6))
		snprintf(head, sizeof(head),
			 "HTTP/1.0 200 OK\r\nContent-Type: text/plain; version=0.0.4\r\n"
			 "Content-Length: %zu\r\nConnection: close\r\n\r\n", body_len);
	else
		snprintf(head, sizeof(head), "HTTP/1.0 404 Not Found\r\nContent-Length: 0\r\n"
					     "Connection: close\r\n\r\n");
	/* a scraper that gave up has closed its end: EPIPE, never SIGPIPE (which would end the
	 * daemon) */
	if (send(fd, head, strlen(head), MSG_NOSIGNAL) > 0 && body_len && head[9] == '2')
		(void)!send(fd, body, body_len, MSG_NOSIGNAL);
out:
	free(body);
	close(fd);
}
