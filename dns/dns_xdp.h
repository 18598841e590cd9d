/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* dns_xdp.h - xpool-dns's AF_XDP path: its XDP program on each xdp interface, a socket per queue.
 */
#ifndef DNS_XDP_H
#define DNS_XDP_H

#include <stdio.h>

#include "dns_config.h"
#include "xp_metrics.h"
#include "xpool_dns_shared.h"

struct dns_xdp;
struct dns_server;
struct dns_worker;

/*
 * For each xdp interface: loads the program (embedded; told whether the driver hands over
 * partial UDP checksums), fills its address map from the listen addresses and its local map
 * from the host's addresses and directed broadcasts (dns_local), attaches it through a bpf_link (it
 * leaves with the process, kill -9 included, so a restart takes over cleanly) and binds an AF_XDP
 * socket to every RX queue, zero-copy where the driver has it, copy mode otherwise. An interface
 * where that fails is said once and left to the socket path, which keeps answering there. Before
 * privileges are dropped. 0 or -ENOMEM.
 */
int dns_xdp_open(const struct dns_config *cfg, struct dns_xdp **x);
/*
 * The netlink socket to poll for address changes while AF_XDP serves, or -1; when it is
 * readable, dns_xdp_addrs_changed brings the programs' xpool_dns_local maps up to date.
 */
int dns_xdp_watch_fd(const struct dns_xdp *x);
void dns_xdp_addrs_changed(struct dns_xdp *x);
/* AF_XDP sockets opened: one thread each. */
int dns_xdp_sockets(const struct dns_xdp *x);
/*
 * Answers socket i's queries until s->stop: frames parsed (dns_frame), dns_answer and RRL as on
 * the socket path, replies written in place and sent from the same frame. A registered RCU
 * reader thread runs it.
 */
void dns_xdp_serve(struct dns_xdp *x, int i, struct dns_server *s, struct dns_worker *w);
/* The program's counters, by interface, through the scrape's Prometheus writer. */
void dns_xdp_metrics(const struct dns_xdp *x, struct xp_metrics *m);
/* Sockets closed and programs detached. */
void dns_xdp_close(struct dns_xdp *x);

#endif
