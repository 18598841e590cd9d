/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* xpool_dns_shared.h - the one contract between xpool-dns's XDP program and its AF_XDP path. */
#ifndef XPOOL_DNS_SHARED_H
#define XPOOL_DNS_SHARED_H

#include <linux/types.h>

#define XPOOL_DNS_MAX_QUEUES 64	  /* AF_XDP sockets: one per RX queue */
#define XPOOL_DNS_MAX_ADDRS  64	  /* listen addresses redirected */
#define XPOOL_DNS_MAX_LOCAL  1024 /* the host's addresses and directed broadcasts */

/* A listen address: IPv4 as ::ffff:a.b.c.d; the UDP port in network order. */
struct xpool_dns_addr {
	__u8 addr[16];
	__be16 port;
	__u8 pad[2];
};

/*
 * Set before the program is loaded (read-only data, xpool_dns_cfg).
 * partial_csum: the interface hands over UDP checksums in their partial form, the folded
 * pseudo-header sum a veth peer's stack leaves for the "hardware" to complete; those are taken
 * as verified. Without it only a full checksum that verifies (or none, IPv4) reaches the socket.
 */
struct xpool_dns_config {
	__u32 partial_csum;
};

/*
 * xpool_dns_local, a hash map from struct xpool_dns_ip (IPv4 as ::ffff:a.b.c.d) to a __u32 unused:
 * sources no query is answered from, as the kernel refuses them for the socket path: the
 * host's own addresses and its subnets' directed broadcasts. xpool-dns keeps it equal to the
 * interfaces' addresses.
 */
struct xpool_dns_ip {
	__u8 addr[16];
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
	XDNS_PASS_SHORT,    /* a header cut short, or lengths past the frame */
	/* ours, but an IPv4 header or UDP checksum that does not verify (IPv6: none at all): the
	 * kernel decides, as for the socket path (it drops and counts what is really bad) */
	XDNS_PASS_BAD_CSUM,
	/* ours, from a source no reply may go to: port 0, a group MAC, unspecified, loopback,
	 * multicast, broadcast, IPv4-mapped or -compatible, the host's own or a directed
	 * broadcast (xpool_dns_local) */
	XDNS_DROP_BAD_SOURCE,
	XDNS_N_STATS,
};

#endif
