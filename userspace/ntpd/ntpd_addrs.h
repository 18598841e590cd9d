/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* ntpd_addrs.h - keeps the responder's address map equal to its interfaces' addresses. */
#ifndef NTPD_ADDRS_H
#define NTPD_ADDRS_H

#include <stdint.h>

#define NTPD_ADDRS_MAX 1024 /* the xpool_addrs map's size */

struct ntpd_addrs {
	int nl_fd;	 /* rtnetlink, subscribed to IPv4 and IPv6 address changes; -1 when off */
	int map_fd;	 /* xpool_addrs */
	int ifindex[16]; /* the interfaces whose addresses we answer for */
	int n_if;
	unsigned changes; /* times the map changed (for logs and tests) */
};

/*
 * Opens the netlink socket (before privileges are dropped) and fills map_fd with every
 * address of the given interfaces: 0 or -errno.
 */
int ntpd_addrs_open(struct ntpd_addrs *a, int map_fd, const int *ifindex, int n_if);
/* Netlink said something changed (nl_fd readable): re-reads the addresses, updates the map. */
int ntpd_addrs_update(struct ntpd_addrs *a);
void ntpd_addrs_close(struct ntpd_addrs *a);

/*
 * Makes map_fd hold exactly the n keys in want (16-byte addresses, IPv4 mapped): adds the
 * missing ones first, then deletes the rest, so no address of both sets is ever absent.
 */
int ntpd_addrs_sync_map(int map_fd, uint8_t (*want)[16], int n);

#endif
