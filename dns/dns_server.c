// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* dns_server.c - UDP workers (SO_REUSEPORT, recvmmsg/sendmmsg), TCP (RFC 7766), data under RCU. */
#include <errno.h>
#include <stdbool.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#include <urcu.h>

#include "dns_server.h"
#include "dns_wire.h"
#include "xp_log.h"
#include "xp_time.h"

#define BATCH	    32
#define QUERY_MAX   4096
#define POLL_MS	    200
#define TCP_MSG_MAX 65535

struct tcp_conn {
	int fd;
	struct dns_client cl; /* from accept: no getpeername per message */
	int64_t active_ms;    /* accepted, or its last complete message answered */
	int64_t deadline_ms;  /* a message has begun: all of it by then (0: none pending) */
	size_t have;
	uint8_t in[2 + TCP_MSG_MAX];
	uint8_t out[2 + TCP_MSG_MAX];
};

static int open_socket(const struct sockaddr_storage *sa, socklen_t len, int type)
{
	int fd = socket(sa->ss_family, type | SOCK_CLOEXEC | SOCK_NONBLOCK, 0), one = 1;
	int buf = 4 << 20;

	if (fd < 0)
		return -errno;
	/* room for bursts; FORCE works while we still have CAP_NET_ADMIN, else the sysctl cap */
	if (type == SOCK_DGRAM && setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &buf, sizeof(buf)))
		setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &buf, sizeof(buf));
	if (setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof(one)) ||
	    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) ||
	    (sa->ss_family == AF_INET6 &&
	     setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one))) ||
	    bind(fd, (const struct sockaddr *)sa, len) || (type == SOCK_STREAM && listen(fd, 256))) {
		int ret = -errno;

		close(fd);
		return ret;
	}
	return fd;
}

int dns_server_bind(struct dns_server *s, const struct dns_config *cfg)
{
	int ret = 0;

	memset(s, 0, sizeof(*s));
	s->cfg = cfg;
	memset(s->udp_fd, -1, sizeof(s->udp_fd));
	memset(s->tcp_fd, -1, sizeof(s->tcp_fd));
	for (int l = 0; l < cfg->n_listen && !ret; l++) {
		/* one UDP socket per thread and address: the kernel spreads clients over them */
		for (int t = 0; t < cfg->threads && !ret; t++) {
			s->udp_fd[t][l] = open_socket(&cfg->listen[l], cfg->listen_len[l], SOCK_DGRAM);
			ret = s->udp_fd[t][l] < 0 ? s->udp_fd[t][l] : 0;
		}
		if (!ret) {
			s->tcp_fd[l] = open_socket(&cfg->listen[l], cfg->listen_len[l], SOCK_STREAM);
			ret = s->tcp_fd[l] < 0 ? s->tcp_fd[l] : 0;
		}
		if (ret)
			xp_err("listen address %d: %s", l + 1, strerror(-ret));
	}
	if (!ret && cfg->n_xdp)
		ret = dns_xdp_open(cfg, &s->xdp);
	return ret;
}

/* The client's port, 0 included (which no reply can go to). */
static in_port_t port_of(const struct sockaddr_storage *sa)
{
	return sa->ss_family == AF_INET ? ((const struct sockaddr_in *)sa)->sin_port
					: ((const struct sockaddr_in6 *)sa)->sin6_port;
}

static void client_of(const struct sockaddr_storage *sa, struct dns_client *cl)
{
	memset(cl, 0, sizeof(*cl));
	if (sa->ss_family == AF_INET) {
		cl->family = 4;
		memcpy(cl->addr, &((const struct sockaddr_in *)sa)->sin_addr, 4);
	} else {
		cl->family = 6;
		memcpy(cl->addr, &((const struct sockaddr_in6 *)sa)->sin6_addr, 16);
	}
}

struct worker_arg {
	struct dns_server *s;
	int index;
};

static void init_worker(struct dns_worker *w)
{
	uint64_t seed = 0;

	if (getrandom(&seed, sizeof(seed), 0) != sizeof(seed))
		seed = (uint64_t)time(NULL) ^ (uint64_t)(uintptr_t)w;
	pool_rng_seed(&w->rng, seed);
}

size_t dns_server_respond(struct dns_server *s, struct dns_worker *w, const struct dns_view *v,
			  const uint8_t *q, size_t qlen, const struct dns_client *cl, uint8_t *out,
			  size_t cap)
{
	size_t len = dns_answer(v, w, q, qlen, cl, 0, out, cap);

	if (!len)
		return 0;
	/* a valid server cookie proves the source address: never limited (RFC 7873 5.3) */
	switch (w->cookie_ok ? DNS_RRL_SEND : dns_rrl_check(s->rrl, cl->family, cl->addr, w->now)) {
	case DNS_RRL_DROP:
		w->stats.rrl_drop++;
		return 0;
	case DNS_RRL_SLIP:
		w->stats.rrl_slip++;
		return dns_msg_truncate(out, len);
	case DNS_RRL_SEND:
		break;
	}
	return len;
}

/* Answers one batch from fd: no allocation, the data read under one RCU read section. */
static void udp_batch(struct dns_server *s, struct dns_worker *w, int fd, int flags,
		      uint8_t (*in)[QUERY_MAX], uint8_t (*out)[DNS_UDP_MAX],
		      struct sockaddr_storage *from)
{
	struct mmsghdr msgs[BATCH], replies[BATCH];
	struct iovec iov[BATCH], riov[BATCH];
	struct dns_view v = { s->cfg, NULL, s->geo };
	int n, k = 0;

	for (int i = 0; i < BATCH; i++) {
		iov[i] = (struct iovec){ in[i], QUERY_MAX };
		msgs[i].msg_hdr = (struct msghdr){ .msg_name = &from[i],
						   .msg_namelen = sizeof(from[i]),
						   .msg_iov = &iov[i],
						   .msg_iovlen = 1 };
	}
	n = recvmmsg(fd, msgs, BATCH, flags, NULL);
	if (n <= 0)
		return;
	w->now = (uint32_t)time(NULL);
	rcu_read_lock();
	v.data = rcu_dereference(s->data);
	for (int i = 0; i < n; i++) {
		struct dns_client cl;
		size_t len;

		w->stats.udp++;
		/* source port 0: no reply can go there (sendmsg refuses it) */
		if ((msgs[i].msg_hdr.msg_flags & MSG_TRUNC) || !port_of(&from[i])) {
			w->stats.dropped++;
			continue;
		}
		client_of(&from[i], &cl);
		len = dns_server_respond(s, w, &v, in[i], msgs[i].msg_len, &cl, out[k], DNS_UDP_MAX);
		if (!len)
			continue;
		riov[k] = (struct iovec){ out[k], len };
		replies[k].msg_hdr = (struct msghdr){ .msg_name = &from[i],
						      .msg_namelen = msgs[i].msg_hdr.msg_namelen,
						      .msg_iov = &riov[k],
						      .msg_iovlen = 1 };
		k++;
	}
	rcu_read_unlock();
	/* sendmmsg stops at a reply the kernel refuses: that one is skipped, not the rest */
	for (int sent = 0; sent < k;) {
		int r = sendmmsg(fd, replies + sent, k - sent, 0);

		sent += r > 0 ? r : 1;
	}
}

static void *udp_worker(void *arg)
{
	struct worker_arg *wa = arg;
	struct dns_server *s = wa->s;
	struct dns_worker *w = &s->workers[wa->index];
	int nl = s->cfg->n_listen, fd = s->udp_fd[wa->index / nl][wa->index % nl];
	uint8_t(*in)[QUERY_MAX] = malloc(BATCH * QUERY_MAX);
	uint8_t(*out)[DNS_UDP_MAX] = malloc(BATCH * DNS_UDP_MAX);
	struct sockaddr_storage *from = malloc(BATCH * sizeof(*from));
	struct timeval tv = { 0, POLL_MS * 1000 };

	free(wa);
	rcu_register_thread();
	init_worker(w);
	/* block in recvmmsg itself, no poll per batch; the timeout lets the thread notice stop */
	fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK);
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	while (in && out && from && !atomic_load_explicit(&s->stop, memory_order_relaxed))
		udp_batch(s, w, fd, MSG_WAITFORONE, in, out, from);
	rcu_unregister_thread();
	free(in);
	free(out);
	free(from);
	return NULL;
}

static void tcp_close(int ep, struct tcp_conn **conns, int i, int *n)
{
	if (!conns[i])
		return;
	epoll_ctl(ep, EPOLL_CTL_DEL, conns[i]->fd, NULL);
	close(conns[i]->fd);
	free(conns[i]);
	conns[i] = NULL;
	(*n)--;
}

/*
 * Every complete message in the buffer gets its answer (pipelining); 0, or -1 to close. A
 * message's deadline starts with its first byte and is never extended by more bytes: a client
 * that trickles cannot hold a slot longer than tcp-io-timeout per message.
 */
static int tcp_serve(struct dns_server *s, struct dns_worker *w, struct tcp_conn *c,
		     int64_t now)
{
	struct dns_view v = { s->cfg, NULL, s->geo };
	const struct dns_client *cl = &c->cl;

	while (c->have >= 2) {
		size_t need = (size_t)c->in[0] << 8 | c->in[1], len;

		if (need < DNS_HDR_LEN)
			return -1; /* shorter than a header: not DNS, and it would reset the deadline */
		if (c->have < 2 + need)
			break;
		w->stats.tcp++;
		rcu_read_lock();
		v.data = rcu_dereference(s->data);
		len = dns_answer(&v, w, c->in + 2, need, cl, 1, c->out + 2, TCP_MSG_MAX);
		rcu_read_unlock();
		if (len) {
			c->out[0] = len >> 8;
			c->out[1] = len;
			/* a client that does not read its answers is dropped, not waited for */
			if (send(c->fd, c->out, len + 2, MSG_NOSIGNAL | MSG_DONTWAIT) != (ssize_t)len + 2)
				return -1;
		}
		memmove(c->in, c->in + 2 + need, c->have - 2 - need);
		c->have -= 2 + need;
		c->active_ms = now;
		c->deadline_ms = 0;
	}
	if (c->have && !c->deadline_ms) /* the next message has begun */
		c->deadline_ms = now + s->cfg->tcp_io_timeout;
	return 0;
}

/* One client: an IPv4 address, or an IPv6 /64 (a host gets a whole /64 to pick from). */
static bool same_client(const struct dns_client *a, const struct dns_client *b)
{
	return a->family == b->family && !memcmp(a->addr, b->addr, a->family == 4 ? 4 : 8);
}

/*
 * A slot for a new connection from cl, or -1 to refuse it: a client may hold at most
 * tcp-max-conns-per-client; when every slot is taken, the connection that has gone longest
 * without a complete message is evicted (as Knot and NSD do), so that neither slow nor idle
 * clients can hold the table.
 */
static int tcp_slot(struct dns_server *s, struct dns_worker *w, struct tcp_conn **conns, int ep,
		    int *n_conns, const struct dns_client *cl)
{
	int max = s->cfg->tcp_max, mine = 0, free_slot = -1, oldest = -1;

	for (int k = 0; k < max; k++) {
		if (!conns[k]) {
			if (free_slot < 0)
				free_slot = k;
			continue;
		}
		mine += same_client(&conns[k]->cl, cl);
		if (oldest < 0 || conns[k]->active_ms < conns[oldest]->active_ms)
			oldest = k;
	}
	if (mine >= s->cfg->tcp_max_per_client) {
		w->stats.tcp_refused++;
		return -1;
	}
	if (free_slot >= 0)
		return free_slot;
	w->stats.tcp_evicted++;
	tcp_close(ep, conns, oldest, n_conns);
	return oldest;
}

static void *tcp_thread(void *arg)
{
	struct dns_server *s = arg;
	struct dns_worker *w = &s->workers[s->n_workers - 1];
	int ep = epoll_create1(EPOLL_CLOEXEC), max = s->cfg->tcp_max, n_conns = 0;
	struct tcp_conn **conns = calloc(max, sizeof(*conns));
	struct epoll_event ev[64];

	rcu_register_thread();
	for (int l = 0; l < s->cfg->n_listen; l++) {
		struct epoll_event e = { .events = EPOLLIN, .data.u64 = (uint64_t)1 << 32 | l };

		epoll_ctl(ep, EPOLL_CTL_ADD, s->tcp_fd[l], &e);
	}
	while (ep >= 0 && conns && !atomic_load_explicit(&s->stop, memory_order_relaxed)) {
		int n = epoll_wait(ep, ev, 64, POLL_MS);
		int64_t now = xp_mono_ms();

		w->now = time(NULL);
		for (int i = 0; i < n; i++) {
			uint64_t tag = ev[i].data.u64;

			if (tag >> 32) { /* a listener */
				struct sockaddr_storage peer;
				socklen_t pl = sizeof(peer);
				struct dns_client cl;
				int fd = accept4(s->tcp_fd[tag & 0xffffffff], (struct sockaddr *)&peer,
						 &pl, SOCK_NONBLOCK | SOCK_CLOEXEC), slot;

				if (fd < 0)
					continue;
				client_of(&peer, &cl);
				slot = tcp_slot(s, w, conns, ep, &n_conns, &cl);
				if (slot < 0 || !(conns[slot] = malloc(sizeof(**conns)))) {
					close(fd);
					continue;
				}
				*conns[slot] = (struct tcp_conn){ .fd = fd, .cl = cl, .active_ms = now };
				n_conns++;
				struct epoll_event e = { .events = EPOLLIN, .data.u64 = slot };
				epoll_ctl(ep, EPOLL_CTL_ADD, fd, &e);
				continue;
			}
			struct tcp_conn *c = conns[tag];
			ssize_t r;

			if (!c)
				continue;
			r = recv(c->fd, c->in + c->have, sizeof(c->in) - c->have, 0);
			/* an event of this batch may belong to a connection evicted from the slot
			 * since: its successor has nothing to read yet, which is not an error */
			if (r < 0 && (errno == EAGAIN || errno == EINTR))
				continue;
			if (r <= 0 || (c->have += r, tcp_serve(s, w, c, now)))
				tcp_close(ep, conns, tag, &n_conns);
		}
		for (int k = 0; k < max; k++) {
			struct tcp_conn *c = conns[k];

			if (!c)
				continue;
			/* a message past its deadline, or idle too long (RFC 7766 6.2.3) */
			if ((c->deadline_ms && now > c->deadline_ms) ||
			    (!c->have && now - c->active_ms > (int64_t)s->cfg->tcp_idle * 1000)) {
				w->stats.tcp_timeout++;
				tcp_close(ep, conns, k, &n_conns);
			}
		}
	}
	for (int k = 0; conns && k < max; k++)
		if (conns[k])
			tcp_close(ep, conns, k, &n_conns);
	free(conns);
	if (ep >= 0)
		close(ep);
	rcu_unregister_thread();
	return NULL;
}

/* An AF_XDP socket's thread: the same answers as a UDP worker, frames instead of datagrams. */
static void *xdp_worker(void *arg)
{
	struct worker_arg *wa = arg;
	struct dns_server *s = wa->s;
	int udp = s->cfg->threads * s->cfg->n_listen, i = wa->index;

	free(wa);
	rcu_register_thread();
	init_worker(&s->workers[udp + 1 + i]);
	dns_xdp_serve(s->xdp, i, s, &s->workers[udp + 1 + i]);
	rcu_unregister_thread();
	return NULL;
}

int dns_server_start(struct dns_server *s, struct dns_data *data, struct pool_geo *geo)
{
	int udp = s->cfg->threads * s->cfg->n_listen, nx = dns_xdp_sockets(s->xdp);

	s->geo = geo;
	s->data = data;
	s->n_workers = udp + 1 + nx;
	s->workers = aligned_alloc(64, sizeof(*s->workers) * s->n_workers);
	s->rrl = calloc(1, sizeof(*s->rrl));
	if (!s->workers || !s->rrl)
		return -ENOMEM;
	memset(s->workers, 0, sizeof(*s->workers) * s->n_workers);
	init_worker(&s->workers[udp]);
	dns_rrl_init(s->rrl, s->cfg->rrl_rate, s->cfg->rrl_slip, s->cfg->rrl_allow,
		     s->cfg->n_rrl_allow);
	for (int t = 0; t < udp; t++) {
		struct worker_arg *wa = malloc(sizeof(*wa));

		if (!wa)
			return -ENOMEM;
		*wa = (struct worker_arg){ s, t };
		if (pthread_create(&s->threads[t], NULL, udp_worker, wa)) {
			free(wa);
			return -EAGAIN;
		}
		s->started++;
	}
	if (pthread_create(&s->threads[udp], NULL, tcp_thread, s))
		return -EAGAIN;
	s->started++;
	for (int i = 0; i < nx; i++) {
		struct worker_arg *wa = malloc(sizeof(*wa));

		if (!wa)
			return -ENOMEM;
		*wa = (struct worker_arg){ s, i };
		if (pthread_create(&s->threads[s->started], NULL, xdp_worker, wa)) {
			free(wa);
			return -EAGAIN;
		}
		s->started++;
	}
	return 0;
}

void dns_server_publish(struct dns_server *s, struct dns_data *data)
{
	struct dns_data *old = rcu_xchg_pointer(&s->data, data);

	/* every reader that could hold old has left its read section after this */
	synchronize_rcu();
	dns_data_free(old);
}

void dns_server_stop(struct dns_server *s)
{
	atomic_store(&s->stop, true);
	for (int t = 0; t < s->started; t++)
		pthread_join(s->threads[t], NULL);
	for (int t = 0; t < DNS_MAX_THREADS; t++)
		for (int l = 0; l < DNS_MAX_LISTEN; l++)
			if (s->udp_fd[t][l] >= 0)
				close(s->udp_fd[t][l]);
	for (int l = 0; l < DNS_MAX_LISTEN; l++)
		if (s->tcp_fd[l] >= 0)
			close(s->tcp_fd[l]);
	dns_xdp_close(s->xdp); /* the program leaves the interfaces with its links */
	dns_data_free(s->data);
	free(s->workers);
	free(s->rrl);
}
