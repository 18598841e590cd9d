// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* api_http.c - xpool-api's HTTP side (libmicrohttpd): bodies bounded, JSON answers. */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <microhttpd.h>

#include "api_http.h"
#include "xp_addr.h"
#include "xp_log.h"
#include "xp_parse.h"

#define IO_TIMEOUT_S 10 /* a connection idle this long is closed */

struct conn {
	char *body;
	size_t len;
	bool too_big;
};

static void peer_text(const struct sockaddr *sa, char *out, size_t n)
{
	out[0] = 0;
	if (sa && sa->sa_family == AF_INET)
		inet_ntop(AF_INET, &((const struct sockaddr_in *)sa)->sin_addr, out, (socklen_t)n);
	else if (sa && sa->sa_family == AF_INET6)
		inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)sa)->sin6_addr, out,
			  (socklen_t)n);
}

/* The client: the peer, or the X-Real-IP a trusted proxy (the TLS terminator) sets. */
static void client_of(struct api *a, struct MHD_Connection *c, char out[64])
{
	const union MHD_ConnectionInfo *ci =
	    MHD_get_connection_info(c, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
	const char *real = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "X-Real-IP");
	uint8_t raw[16];
	bool v6;

	peer_text(ci ? ci->client_addr : NULL, out, 64);
	for (int i = 0; real && i < a->n_proxies; i++)
		if (!strcmp(out, a->proxies[i])) {
			if (strlen(real) < 64 && !xp_addr_parse(real, raw, &v6))
				snprintf(out, 64, "%s", real);
			break;
		}
}

static enum MHD_Result answer(struct MHD_Connection *c, struct api_resp *r)
{
	struct MHD_Response *resp;
	enum MHD_Result ret;
	char num[16];

	resp = MHD_create_response_from_buffer(r->len, r->body, MHD_RESPMEM_MUST_FREE);
	if (!resp) {
		free(r->body);
		return MHD_NO;
	}
	if (r->len)
		MHD_add_response_header(resp, "Content-Type", "application/json");
	MHD_add_response_header(resp, "Cache-Control", "no-store");
	if (r->allow[0])
		MHD_add_response_header(resp, "Allow", r->allow);
	if (r->authenticate)
		MHD_add_response_header(resp, "WWW-Authenticate", "Bearer realm=\"xpool\"");
	if (r->retry_after > 0) {
		snprintf(num, sizeof(num), "%d", r->retry_after);
		MHD_add_response_header(resp, "Retry-After", num);
	}
	ret = MHD_queue_response(c, (unsigned)r->status, resp);
	MHD_destroy_response(resp);
	return ret;
}

static void count(struct api *a, int status)
{
	int k = status / 100;

	atomic_fetch_add(&a->requests[k >= 1 && k <= 5 ? k : 0], 1);
}

static enum MHD_Result handler(void *cls, struct MHD_Connection *c, const char *url,
			       const char *method, const char *version, const char *upload,
			       size_t *upload_size, void **con_cls)
{
	struct api *a = cls;
	struct conn *k = *con_cls;
	struct api_req q = {.method = method, .path = url};
	struct api_resp r;

	(void)version;
	if (!k) {
		const char *cl = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Content-Length");

		k = calloc(1, sizeof(*k));
		if (!k)
			return MHD_NO;
		*con_cls = k;
		/* a declared body over the limit is refused before a byte of it is read */
		if (cl && strtoull(cl, NULL, 10) > (unsigned long long)a->max_body) {
			api_too_big(a, &r);
			count(a, r.status);
			return answer(c, &r);
		}
		return MHD_YES;
	}
	if (*upload_size) {
		/* a chunked body over the limit is read and dropped, then refused */
		if (!k->too_big && k->len + *upload_size <= (size_t)a->max_body) {
			char *p = realloc(k->body, k->len + *upload_size + 1);

			if (!p)
				return MHD_NO;
			k->body = p;
			memcpy(k->body + k->len, upload, *upload_size);
			k->len += *upload_size;
			k->body[k->len] = 0;
		} else {
			k->too_big = true;
		}
		*upload_size = 0;
		return MHD_YES;
	}
	q.body = k->body;
	q.len = k->len;
	q.too_big = k->too_big;
	q.auth = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Authorization");
	client_of(a, c, q.client);
	api_handle(a, &q, &r);
	count(a, r.status);
	return answer(c, &r);
}

static void completed(void *cls, struct MHD_Connection *c, void **con_cls,
		      enum MHD_RequestTerminationCode toe)
{
	struct conn *k = *con_cls;

	(void)cls;
	(void)c;
	(void)toe;
	if (k) {
		free(k->body);
		free(k);
		*con_cls = NULL;
	}
}

static void mhd_log(void *cls, const char *fmt, va_list ap)
{
	char msg[256];
	size_t n;

	(void)cls;
	vsnprintf(msg, sizeof(msg), fmt, ap);
	n = strlen(msg);
	while (n && msg[n - 1] == '\n')
		msg[--n] = 0;
	xp_debug("http: %s", msg);
}

struct MHD_Daemon *api_http_start(struct api *a)
{
	struct sockaddr_storage sa;
	socklen_t len;
	struct MHD_Daemon *d;
	unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_THREAD_PER_CONNECTION |
			 MHD_USE_ERROR_LOG;

	if (xp_parse_hostport(a->listen, 0, &sa, &len)) {
		xp_err("listen %s: not a numeric ADDR:PORT", a->listen);
		return NULL;
	}
	if (sa.ss_family == AF_INET6)
		flags |= MHD_USE_IPv6;
	/*
	 * A thread per connection: a request may wait on the NTP check (seconds) without holding
	 * others up. Connections are bounded in number and in idle time; bodies by max-body;
	 * headers by libmicrohttpd's memory limit per connection.
	 */
	d = MHD_start_daemon(flags, 0, NULL, NULL, handler, a, MHD_OPTION_EXTERNAL_LOGGER, mhd_log,
			     NULL, MHD_OPTION_SOCK_ADDR, &sa,
			     MHD_OPTION_CONNECTION_LIMIT, (unsigned)a->max_connections,
			     MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)IO_TIMEOUT_S,
			     MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)32768,
			     MHD_OPTION_NOTIFY_COMPLETED, completed, NULL, MHD_OPTION_END);
	if (!d)
		xp_err("listen %s: cannot start the HTTP server (address in use, or not this "
		       "host's?)",
		       a->listen);
	return d;
}

void api_http_stop(struct MHD_Daemon *d)
{
	if (d)
		MHD_stop_daemon(d);
}
