// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* api_http.c - xpool-api's HTTP side (libmicrohttpd): bodies bounded, JSON answers. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <microhttpd.h>

#include "api_http.h"
#include "xp_addr.h"
#include "xp_log.h"
#include "xp_parse.h"
#include "xp_time.h"

#define IO_TIMEOUT_S 10	 /* a connection idle this long is closed */
#define REAP_EVERY_MS 250 /* how often request deadlines are looked at */

/* One request's body, as it arrives. */
struct conn {
	char *body;
	size_t len;
	bool too_big;
};

/*
 * One connection, from accept to close: its peer (for the limit per address) and since when
 * its current request has been arriving. The reaper ends a request whose head and body take
 * longer than request-timeout, however they trickle in, by shutting the socket down through a
 * descriptor of its own (a dup: the socket cannot be closed and its number reused under it).
 */
struct track {
	struct track *prev, *next;
	int fd;		     /* our dup of the connection's socket */
	char peer[64];	     /* the peer's address, for the trusted proxies */
	char key[API_LIMIT_KEY]; /* the limit's key: an IPv4 address, an IPv6 /64 */
	bool counted;	  /* toward its address's limit */
	bool answering;	  /* the request is complete: no deadline while it is answered */
	bool reaped;
	int64_t since_ms; /* the current request's first byte may come from here on */
};

static struct {
	pthread_mutex_t lock;
	struct track *head;
	pthread_t reaper;
	bool stop, started;
	struct api *a;
} g = {.lock = PTHREAD_MUTEX_INITIALIZER};

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

static bool is_proxy(struct api *a, const char *peer)
{
	for (int i = 0; i < a->n_proxies; i++)
		if (!strcmp(peer, a->proxies[i]))
			return true;
	return false;
}

static void untrack(struct track *t)
{
	pthread_mutex_lock(&g.lock);
	if (t->prev)
		t->prev->next = t->next;
	else
		g.head = t->next;
	if (t->next)
		t->next->prev = t->prev;
	pthread_mutex_unlock(&g.lock);
	close(t->fd);
	free(t);
}

/* A connection starts or ends: tracked, counted for its address, refused over the limit. */
static void notify(void *cls, struct MHD_Connection *c, void **socket_context,
		   enum MHD_ConnectionNotificationCode toe)
{
	const union MHD_ConnectionInfo *fi, *ci;
	struct api *a = cls;
	struct track *t = *socket_context;
	long same = 0;

	if (toe == MHD_CONNECTION_NOTIFY_CLOSED) {
		if (t)
			untrack(t);
		*socket_context = NULL;
		return;
	}
	fi = MHD_get_connection_info(c, MHD_CONNECTION_INFO_CONNECTION_FD);
	ci = MHD_get_connection_info(c, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
	t = calloc(1, sizeof(*t));
	if (!t)
		return; /* untracked: the idle timeout still ends it */
	t->fd = fi ? fcntl(fi->connect_fd, F_DUPFD_CLOEXEC, 0) : -1;
	if (t->fd < 0) {
		free(t);
		return;
	}
	peer_text(ci ? ci->client_addr : NULL, t->peer, sizeof(t->peer));
	api_limit_addr_key(t->peer, t->key); /* one IPv6 client holds a /64 */
	t->since_ms = xp_mono_ms();
	pthread_mutex_lock(&g.lock);
	for (struct track *o = g.head; o; o = o->next)
		same += o->counted && !strcmp(o->key, t->key);
	/* the TLS proxy in front carries every client: its connections are not limited here */
	if (is_proxy(a, t->peer) || same < a->max_per_address) {
		t->counted = !is_proxy(a, t->peer);
	} else {
		shutdown(t->fd, SHUT_RDWR);
		t->reaped = true;
		atomic_fetch_add(&a->conns_refused, 1);
	}
	t->next = g.head;
	if (g.head)
		g.head->prev = t;
	g.head = t;
	pthread_mutex_unlock(&g.lock);
	*socket_context = t;
}

/*
 * The connection's request is complete (answering: true) or answered (false). false when the
 * connection was refused or reaped meanwhile: its request is not run at all (shutdown() leaves
 * what was already queued readable, so the library may still have read a whole request).
 */
static bool track_state(struct MHD_Connection *c, bool answering)
{
	const union MHD_ConnectionInfo *si =
	    MHD_get_connection_info(c, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
	struct track *t = si ? si->socket_context : NULL;
	bool ok = true;

	if (!t)
		return true;
	pthread_mutex_lock(&g.lock);
	if (answering && t->reaped) {
		ok = false;
	} else {
		t->answering = answering;
		t->since_ms = xp_mono_ms();
	}
	pthread_mutex_unlock(&g.lock);
	return ok;
}

static void *reaper(void *arg)
{
	struct api *a = arg;
	int64_t limit = a->request_timeout * 1000;

	for (;;) {
		int64_t now = xp_mono_ms();
		bool stop;

		pthread_mutex_lock(&g.lock);
		stop = g.stop;
		for (struct track *t = g.head; t && !stop; t = t->next)
			if (!t->answering && !t->reaped && now - t->since_ms > limit) {
				/* the connection's thread sees the end of its stream and closes */
				shutdown(t->fd, SHUT_RDWR);
				t->reaped = true;
				atomic_fetch_add(&a->conns_reaped, 1);
			}
		pthread_mutex_unlock(&g.lock);
		if (stop)
			break;
		usleep(REAP_EVERY_MS * 1000);
	}
	return NULL;
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
			if (!track_state(c, true))
				return MHD_NO;
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
	if (!track_state(c, true))
		return MHD_NO; /* refused or too slow: closed, nothing run */
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
	(void)toe;
	track_state(c, false);
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
	int ret;
	unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_THREAD_PER_CONNECTION |
			 MHD_USE_POLL | MHD_USE_ERROR_LOG;

	if (xp_parse_hostport(a->listen, 0, &sa, &len)) {
		xp_err("listen %s: not a numeric ADDR:PORT", a->listen);
		return NULL;
	}
	if (sa.ss_family == AF_INET6)
		flags |= MHD_USE_IPv6;
	/*
	 * A thread per connection: a request may wait on the NTP check (seconds) without holding
	 * others up. poll(), not select(): select() cannot watch a descriptor numbered 1024 or more,
	 * and the library would close every connection that got one. Connections are bounded in number and in idle time; bodies by max-body;
	 * headers by libmicrohttpd's memory limit per connection.
	 */
	d = MHD_start_daemon(flags, 0, NULL, NULL, handler, a, MHD_OPTION_EXTERNAL_LOGGER, mhd_log,
			     NULL, MHD_OPTION_SOCK_ADDR, &sa,
			     MHD_OPTION_CONNECTION_LIMIT, (unsigned)a->max_connections,
			     MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)IO_TIMEOUT_S,
			     MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)32768,
			     MHD_OPTION_NOTIFY_COMPLETED, completed, NULL,
			     MHD_OPTION_NOTIFY_CONNECTION, notify, a, MHD_OPTION_END);
	if (!d) {
		xp_err("listen %s: cannot start the HTTP server (address in use, or not this "
		       "host's?)",
		       a->listen);
		return NULL;
	}
	g.a = a;
	g.stop = false;
	ret = pthread_create(&g.reaper, NULL, reaper, a);
	if (ret) {
		xp_err("cannot start the request deadline thread: %s", strerror(ret));
		MHD_stop_daemon(d);
		return NULL;
	}
	g.started = true;
	return d;
}

void api_http_stop(struct MHD_Daemon *d)
{
	if (d)
		MHD_stop_daemon(d);
	if (g.started) {
		pthread_mutex_lock(&g.lock);
		g.stop = true;
		pthread_mutex_unlock(&g.lock);
		pthread_join(g.reaper, NULL);
		g.started = false;
	}
}
