// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* ntpd_addrs.c - keeps the responder's address map equal to its interfaces' addresses. */
#include <errno.h>
#include <poll.h>
#include <stdbool.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <bpf/bpf.h>

#include "ntpd_addrs.h"
#include "xp_addr.h"
#include "xp_log.h"

#define DUMP_TIMEOUT_MS 2000

static bool ours(const struct ntpd_addrs *a, int ifindex)
{
	for (int i = 0; i < a->n_if; i++)
		if (a->ifindex[i] == ifindex)
			return true;
	return false;
}

static bool in_set(uint8_t (*set)[16], int n, const uint8_t *k)
{
	for (int i = 0; i < n; i++)
		if (!memcmp(set[i], k, 16))
			return true;
	return false;
}

int ntpd_addrs_sync_map(int map_fd, uint8_t (*want)[16], int n)
{
	static uint8_t stale[NTPD_ADDRS_MAX][16]; /* one caller: the daemon's main thread */
	uint8_t key[16], next[16];
	__u32 one = 1;
	int n_stale = 0, ret = 0;
	void *prev = NULL;

	for (int i = 0; i < n && !ret; i++)
		if (bpf_map_update_elem(map_fd, want[i], &one, BPF_ANY))
			ret = -errno;
	/* collect first, delete after: deleting while iterating restarts a hash walk */
	while (!ret && !bpf_map_get_next_key(map_fd, prev, next)) {
		if (!in_set(want, n, next) && n_stale < NTPD_ADDRS_MAX)
			memcpy(stale[n_stale++], next, 16);
		memcpy(key, next, 16);
		prev = key;
	}
	for (int i = 0; !ret && i < n_stale; i++)
		if (bpf_map_delete_elem(map_fd, stale[i]) && errno != ENOENT)
			ret = -errno;
	return ret;
}

/* Reads one RTM_GETADDR dump: every address of our interfaces into out. */
static int dump(struct ntpd_addrs *a, int fd, uint8_t (*out)[16], int *n)
{
	struct {
		struct nlmsghdr nh;
		struct ifaddrmsg ifa;
	} req = {.nh = {.nlmsg_len = sizeof(req),
			.nlmsg_type = RTM_GETADDR,
			.nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP,
			.nlmsg_seq = (uint32_t)time(NULL)},
		 .ifa = {.ifa_family = AF_UNSPEC}};
	static char buf[32768] __attribute__((aligned(NLMSG_ALIGNTO)));
	struct pollfd pfd = {.fd = fd, .events = POLLIN};

	*n = 0;
	if (send(fd, &req, sizeof(req), 0) < 0)
		return -errno;
	for (;;) {
		ssize_t len;

		/* every wait has a deadline: a kernel that never ends the dump cannot hang us */
		if (poll(&pfd, 1, DUMP_TIMEOUT_MS) <= 0)
			return -ETIMEDOUT;
		len = recv(fd, buf, sizeof(buf), 0);
		if (len < 0)
			return errno == EINTR || errno == EAGAIN ? 0 : -errno;
		for (struct nlmsghdr *h = (void *)buf; NLMSG_OK(h, len); h = NLMSG_NEXT(h, len)) {
			struct ifaddrmsg *ifa = NLMSG_DATA(h);
			const uint8_t *local = NULL, *addr = NULL;
			int rlen;

			if (h->nlmsg_seq != req.nh.nlmsg_seq)
				continue; /* an event that raced the dump: the dump is newer */
			if (h->nlmsg_type == NLMSG_DONE)
				return 0;
			if (h->nlmsg_type == NLMSG_ERROR)
				return -EIO;
			if (h->nlmsg_type != RTM_NEWADDR || !ours(a, ifa->ifa_index) ||
			    (ifa->ifa_family != AF_INET && ifa->ifa_family != AF_INET6))
				continue;
			rlen = IFA_PAYLOAD(h);
			for (struct rtattr *r = IFA_RTA(ifa); RTA_OK(r, rlen);
			     r = RTA_NEXT(r, rlen)) {
				if (r->rta_type == IFA_LOCAL)
					local = RTA_DATA(r);
				else if (r->rta_type == IFA_ADDRESS)
					addr = RTA_DATA(r);
			}
			/* IPv4 point-to-point: IFA_ADDRESS is the peer, IFA_LOCAL ours */
			if (local)
				addr = local;
			if (!addr || *n >= NTPD_ADDRS_MAX)
				continue;
			xp_addr_key(ifa->ifa_family == AF_INET ? 4 : 6, addr, out[(*n)++]);
		}
	}
}

/* A dump on a socket of its own: the event socket keeps only events, read and discarded. */
static int reload(struct ntpd_addrs *a)
{
	static uint8_t want[NTPD_ADDRS_MAX][16];
	int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE), n = 0, ret;

	if (fd < 0)
		return -errno;
	ret = dump(a, fd, want, &n);
	close(fd);
	if (!ret)
		ret = ntpd_addrs_sync_map(a->map_fd, want, n);
	if (ret) {
		xp_err("interface addresses: %s", strerror(-ret));
	} else {
		a->changes++;
		xp_info("answering for the %d address(es) of %d interface(s)", n, a->n_if);
	}
	return ret;
}

int ntpd_addrs_open(struct ntpd_addrs *a, int map_fd, const int *ifindex, int n_if)
{
	struct sockaddr_nl sa = {.nl_family = AF_NETLINK,
				 .nl_groups = RTMGRP_IPV4_IFADDR | RTMGRP_IPV6_IFADDR};

	memset(a, 0, sizeof(*a));
	a->map_fd = map_fd;
	a->n_if = n_if < 16 ? n_if : 16;
	memcpy(a->ifindex, ifindex, a->n_if * sizeof(int));
	/* subscribe first, then dump: a change between the two is seen as an event */
	a->nl_fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC | SOCK_NONBLOCK, NETLINK_ROUTE);
	if (a->nl_fd < 0 || bind(a->nl_fd, (struct sockaddr *)&sa, sizeof(sa))) {
		int ret = -errno;

		xp_err("netlink (interface addresses): %s", strerror(-ret));
		ntpd_addrs_close(a);
		return ret;
	}
	return reload(a);
}

int ntpd_addrs_update(struct ntpd_addrs *a)
{
	static char buf[16384];
	bool any = false;

	/* drain every queued event; on overflow (ENOBUFS) the dump below catches up anyway */
	for (;;) {
		ssize_t len = recv(a->nl_fd, buf, sizeof(buf), 0);

		if (len > 0) {
			any = true;
			continue;
		}
		if (len < 0 && errno == ENOBUFS) {
			any = true;
			continue;
		}
		break;
	}
	return any ? reload(a) : 0;
}

void ntpd_addrs_close(struct ntpd_addrs *a)
{
	if (a->nl_fd >= 0)
		close(a->nl_fd);
	a->nl_fd = -1;
}
