/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* dns_server.h - UDP workers (SO_REUSEPORT, recvmmsg/sendmmsg), TCP (RFC 7766), data under RCU. */
#ifndef DNS_SERVER_H
#define DNS_SERVER_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>

#include "dns_answer.h"
#include "dns_config.h"
#include "dns_rrl.h"
#include "dns_xdp.h"

#define DNS_MAX_THREADS 64

struct dns_server {
	const struct dns_config *cfg;
	struct dns_data *data; /* RCU-protected: rcu_dereference() in workers */
	struct pool_geo *geo;
	struct dns_rrl *rrl;
	/* one UDP worker per thread and listen address, each blocking on its own socket; the
	 * last worker is the TCP thread's */
	struct dns_worker *workers;
	int n_workers;
	int udp_fd[DNS_MAX_THREADS][DNS_MAX_LISTEN];
	int tcp_fd[DNS_MAX_LISTEN];
	struct dns_xdp *xdp; /* AF_XDP sockets (xdp IFACE): their workers come after the TCP one */
	pthread_t threads[DNS_MAX_THREADS * DNS_MAX_LISTEN + 1 + XPOOL_DNS_MAX_QUEUES];
	int started;
	atomic_bool stop;
	uint64_t reloads_ok, reloads_failed, reloads_refused_small;
};

/* Binds every socket and opens the AF_XDP path (before privileges are dropped): 0 or -errno. */
int dns_server_bind(struct dns_server *s, const struct dns_config *cfg);
/* Starts the worker threads on data (the server owns it from now on). */
int dns_server_start(struct dns_server *s, struct dns_data *data, struct pool_geo *geo);
/* Swaps in new data; the old is freed once no worker can still read it. */
void dns_server_publish(struct dns_server *s, struct dns_data *data);
void dns_server_stop(struct dns_server *s);
/*
 * One UDP query answered, the same way on either path: dns_answer, then RRL (a valid server
 * cookie exempts its client). The reply's length in out, or 0 to send nothing.
 */
size_t dns_server_respond(struct dns_server *s, struct dns_worker *w, const struct dns_view *v,
			  const uint8_t *q, size_t len, const struct dns_client *cl, uint8_t *out,
			  size_t cap);
/* Prometheus families from every thread's counters, through the scrape's writer. */
void dns_server_metrics(struct dns_server *s, struct xp_metrics *m);

#endif
