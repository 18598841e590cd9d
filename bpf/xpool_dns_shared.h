/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* xpool_dns_shared.h - the one contract between xpool-dns's XDP program and its AF_XDP path. */
#ifndef XPOOL_DNS_SHARED_H
#define XPOOL_DNS_SHARED_H

#include <linux/types.h>

#define XPOOL_DNS_MAX_QUEUES 64 /* AF_XDP sockets: one per RX queue */
#define XPOOL_DNS_MAX_ADDRS  64 /* listen addresses redirected */

/* A listen address: IPv4 as ::ffff:a.b.c.d; the UDP port in network order. */
struct xpool_dns_addr {
	__u8 addr[16];
	__be16 port;
	__u8 pad[2];
};

/* What the program did with a frame: the index of a per-CPU counter. */
enum xpool_dns_stat {
	XDNS_REDIRECT,	    /* UDP to a listen address: to the queue's AF_XDP socket */
	XDNS_NO_SOCKET,	    /* ours, but no socket on this queue: to the kernel */
	XDNS_PASS_OTHER,    /* not IPv4 or IPv6 (ARP, ...) */
	XDNS_PASS_NOT_UDP,  /* TCP, ICMP, ... */
	XDNS_PASS_FRAG,	    /* an IPv4 fragment: the kernel reassembles */
	XDNS_PASS_EXTHDR,   /* an IPv6 extension header (fragments among them) */
	XDNS_PASS_NOT_OURS, /* another address or port */
	XDNS_PASS_SHORT,    /* a header cut short */
	XDNS_N_STATS,
};

#endif
