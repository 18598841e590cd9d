// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* dns_xdp.c - xpool-dns's AF_XDP path: its XDP program on each xdp interface, a socket per queue.
 */
#include <dirent.h>
#include <errno.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#include <urcu.h>
#include <linux/ethtool.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <linux/sockios.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <xdp/xsk.h>

#include "dns_frame.h"
#include "dns_local.h"
#include "dns_server.h"
#include "dns_wire.h"
#include "dns_xdp.h"
#include "xp_log.h"
#include "xpool_dns.skel.h"
#include "xpool_dns_shared.h"

#define FRAME	XSK_UMEM__DEFAULT_FRAME_SIZE
#define RING	2048 /* each of the four rings */
#define FRAMES	RING /* all of them fit the fill ring, and the TX ring */
#define BATCH	64
#define POLL_MS 200

/* One RX queue's socket and its memory. */
struct xq {
	struct xsk_umem *umem;
	struct xsk_socket *xsk;
	struct xsk_ring_prod fill, tx;
	struct xsk_ring_cons comp, rx;
	void *area;
	int mtu;
};

struct xif {
	char name[IF_NAMESIZE];
	struct xpool_dns_bpf *skel;
	struct bpf_link *link;
};

struct dns_xdp {
	struct xif ifs[DNS_MAX_XDP];
	int n_ifs;
	struct xq q[XPOOL_DNS_MAX_QUEUES];
	int n_q;
	int nl_fd; /* rtnetlink, subscribed to address changes; -1 when off */
	/* the host's addresses and directed broadcasts (dns_local), as in every xpool_dns_local */
	struct xpool_dns_ip local[XPOOL_DNS_MAX_LOCAL], stale[XPOOL_DNS_MAX_LOCAL];
	int n_local;
};

static int queues_of(const char *ifname)
{
	char path[64];
	struct dirent *e;
	DIR *d;
	int n = 0;

	snprintf(path, sizeof(path), "/sys/class/net/%s/queues", ifname);
	d = opendir(path);
	if (!d)
		return 1;
	while ((e = readdir(d)))
		n += !strncmp(e->d_name, "rx-", 3);
	closedir(d);
	return n ? n : 1;
}

static int mtu_of(const char *ifname)
{
	struct ifreq ifr = {0};
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0), mtu = 1500;

	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", ifname);
	if (fd >= 0 && !ioctl(fd, SIOCGIFMTU, &ifr))
		mtu = ifr.ifr_mtu;
	if (fd >= 0)
		close(fd);
	return mtu;
}

/* veth hands over its peer stack's UDP checksums in their partial form (TX offload). */
static bool partial_csums(const char *ifname)
{
	struct ethtool_drvinfo info = {.cmd = ETHTOOL_GDRVINFO};
	struct ifreq ifr = {0};
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	bool veth = false;

	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", ifname);
	ifr.ifr_data = (void *)&info;
	if (fd >= 0 && !ioctl(fd, SIOCETHTOOL, &ifr))
		veth = !strcmp(info.driver, "veth");
	if (fd >= 0)
		close(fd);
	return veth;
}

/* The host's addresses and directed broadcasts, read again: 0 or -errno (the old set kept). */
static int read_local(struct dns_xdp *x)
{
	struct ifaddrs *list;
	bool more;

	if (getifaddrs(&list))
		return -errno;
	x->n_local = dns_local_keys(list, x->local, XPOOL_DNS_MAX_LOCAL, &more);
	freeifaddrs(list);
	if (more)
		xp_warn("xdp: more than %d addresses and broadcasts on this host: the rest are not "
			"refused as sources",
			XPOOL_DNS_MAX_LOCAL);
	return 0;
}

/*
 * Makes an xpool_dns_local map hold exactly x->local: what left goes first (so the map never
 * overflows), then what is new; an address of both sets is never absent. 0 or -errno.
 */
static int sync_local(struct dns_xdp *x, int fd)
{
	struct xpool_dns_ip key, next;
	void *prev = NULL;
	int n_stale = 0;
	__u32 one = 1;

	/* collect first, delete after: deleting while iterating restarts a hash walk */
	while (!bpf_map_get_next_key(fd, prev, &next)) {
		if (!dns_local_has(x->local, x->n_local, &next) && n_stale < XPOOL_DNS_MAX_LOCAL)
			x->stale[n_stale++] = next;
		key = next;
		prev = &key;
	}
	for (int i = 0; i < n_stale; i++)
		if (bpf_map_delete_elem(fd, &x->stale[i]) && errno != ENOENT)
			return -errno;
	for (int i = 0; i < x->n_local; i++)
		if (bpf_map_update_elem(fd, &x->local[i], &one, BPF_ANY))
			return -errno;
	return 0;
}

/* The listen addresses into the program's map: 0 or -errno. */
static int fill_addrs(struct xpool_dns_bpf *skel, const struct dns_config *cfg)
{
	int fd = bpf_map__fd(skel->maps.xpool_dns_addrs);

	for (int l = 0; l < cfg->n_listen; l++) {
		struct xpool_dns_addr k = {0};
		__u32 one = 1;

		if (cfg->listen[l].ss_family == AF_INET) {
			const struct sockaddr_in *a = (const void *)&cfg->listen[l];

			k.addr[10] = k.addr[11] = 0xff;
			memcpy(k.addr + 12, &a->sin_addr, 4);
			k.port = a->sin_port;
		} else {
			const struct sockaddr_in6 *a = (const void *)&cfg->listen[l];

			memcpy(k.addr, &a->sin6_addr, 16);
			k.port = a->sin6_port;
		}
		if (bpf_map_update_elem(fd, &k, &one, BPF_ANY))
			return -errno;
	}
	return 0;
}

static void xq_close(struct xq *q)
{
	if (q->xsk)
		xsk_socket__delete(q->xsk);
	if (q->umem)
		xsk_umem__delete(q->umem);
	if (q->area)
		munmap(q->area, (size_t)FRAMES * FRAME);
	memset(q, 0, sizeof(*q));
}

/* A socket on queue qid: zero-copy where the driver has it, else copy mode. 0 or -errno. */
static int xq_open(struct xq *q, const char *ifname, int qid, int map_fd, bool *zc)
{
	struct xsk_umem_config uc = {
	    .fill_size = RING, .comp_size = RING, .frame_size = FRAME, .frame_headroom = 0};
	struct xsk_socket_config sc = {
	    .rx_size = RING, .tx_size = RING, .libxdp_flags = XSK_LIBXDP_FLAGS__INHIBIT_PROG_LOAD};
	uint32_t idx;
	int ret;

	q->area = mmap(NULL, (size_t)FRAMES * FRAME, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (q->area == MAP_FAILED) {
		q->area = NULL;
		return -ENOMEM;
	}
	ret = xsk_umem__create(&q->umem, q->area, (size_t)FRAMES * FRAME, &q->fill, &q->comp, &uc);
	if (ret)
		goto fail;
	sc.bind_flags = XDP_ZEROCOPY | XDP_USE_NEED_WAKEUP;
	ret = xsk_socket__create(&q->xsk, ifname, qid, q->umem, &q->rx, &q->tx, &sc);
	*zc = !ret;
	if (ret) { /* veth and many drivers: copy mode */
		sc.bind_flags = XDP_COPY | XDP_USE_NEED_WAKEUP;
		ret = xsk_socket__create(&q->xsk, ifname, qid, q->umem, &q->rx, &q->tx, &sc);
	}
	if (ret)
		goto fail;
	ret = xsk_socket__update_xskmap(q->xsk, map_fd);
	if (ret)
		goto fail;
	/* every frame starts in the fill ring; TX hands them back through the completion ring */
	if (xsk_ring_prod__reserve(&q->fill, RING, &idx) != RING) {
		ret = -ENOSPC;
		goto fail;
	}
	for (uint32_t i = 0; i < RING; i++)
		*xsk_ring_prod__fill_addr(&q->fill, idx + i) = (uint64_t)i * FRAME;
	xsk_ring_prod__submit(&q->fill, RING);
	q->mtu = mtu_of(ifname);
	return 0;
fail:
	xq_close(q);
	return ret < 0 ? ret : -ret;
}

/* One interface: 0 with its sockets, or -errno (said once; the socket path answers there). */
static int open_if(struct dns_xdp *x, const struct dns_config *cfg, const char *ifname)
{
	struct xif *xi = &x->ifs[x->n_ifs];
	int ifindex = if_nametoindex(ifname), nq = queues_of(ifname), first = x->n_q, ret;
	bool zc = false, partial = partial_csums(ifname);
	const char *step = "load";

	snprintf(xi->name, sizeof(xi->name), "%s", ifname);
	xi->skel = xpool_dns_bpf__open();
	ret = xi->skel ? 0 : -errno;
	if (!ret) {
		xi->skel->rodata->xpool_dns_cfg.partial_csum = partial;
		ret = xpool_dns_bpf__load(xi->skel);
	}
	if (!ret) {
		step = "address map";
		ret = fill_addrs(xi->skel, cfg);
	}
	if (!ret) {
		/* before the program sees a frame: never a moment that answers our own addresses */
		step = "local address map";
		ret = sync_local(x, bpf_map__fd(xi->skel->maps.xpool_dns_local));
	}
	if (!ret) {
		/* a link, not a netlink attachment: it goes when the process goes, even kill -9 */
		step = "attach";
		xi->link = bpf_program__attach_xdp(xi->skel->progs.xpool_dns, ifindex);
		ret = xi->link ? 0 : -errno;
	}
	for (int q = 0; !ret && q < nq; q++) {
		step = "AF_XDP socket";
		if (x->n_q == XPOOL_DNS_MAX_QUEUES) {
			ret = -E2BIG;
			break;
		}
		ret = xq_open(&x->q[x->n_q], ifname, q, bpf_map__fd(xi->skel->maps.xpool_dns_xsks),
			      &zc);
		x->n_q += !ret;
	}
	if (ret) {
		xp_warn("xdp %s: no AF_XDP (%s: %s): its queries are answered through sockets",
			ifname, step, strerror(-ret));
		while (x->n_q > first)
			xq_close(&x->q[--x->n_q]);
		bpf_link__destroy(xi->link);
		xpool_dns_bpf__destroy(xi->skel);
		memset(xi, 0, sizeof(*xi));
		return ret;
	}
	xp_info("xdp %s: %d queue(s) through AF_XDP, %s mode%s", ifname, nq,
		zc ? "zero-copy" : "copy",
		partial ? "; UDP checksums in partial form (veth) taken as verified" : "");
	x->n_ifs++;
	return 0;
}

int dns_xdp_open(const struct dns_config *cfg, struct dns_xdp **out)
{
	struct sockaddr_nl sa = {.nl_family = AF_NETLINK,
				 .nl_groups = RTMGRP_IPV4_IFADDR | RTMGRP_IPV6_IFADDR};
	struct dns_xdp *x = calloc(1, sizeof(*x));
	int ret;

	if (!x)
		return -ENOMEM;
	/* subscribe first, then read: a change between the two is seen as an event */
	x->nl_fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC | SOCK_NONBLOCK, NETLINK_ROUTE);
	if (x->nl_fd < 0 || bind(x->nl_fd, (struct sockaddr *)&sa, sizeof(sa))) {
		ret = -errno;
		goto fail;
	}
	ret = read_local(x);
	if (ret)
		goto fail;
	for (int i = 0; i < cfg->n_xdp; i++)
		open_if(x, cfg, cfg->xdp[i]);
	if (!x->n_ifs) {
		close(x->nl_fd); /* no program to keep up to date */
		x->nl_fd = -1;
	} else {
		xp_info("xdp: queries from %d address(es) and directed broadcast(s) of the host "
			"are dropped",
			x->n_local);
	}
	*out = x;
	return 0;
fail:
	/* without the host's addresses no frame can be judged as the kernel would: sockets only */
	xp_warn("xdp: no AF_XDP (the host's addresses: %s): queries are answered through sockets",
		strerror(-ret));
	if (x->nl_fd >= 0)
		close(x->nl_fd);
	x->nl_fd = -1;
	*out = x;
	return 0;
}

int dns_xdp_watch_fd(const struct dns_xdp *x)
{
	return x && x->n_ifs ? x->nl_fd : -1;
}

void dns_xdp_addrs_changed(struct dns_xdp *x)
{
	static char buf[8192];
	bool any = false;
	int ret;

	if (!x || x->nl_fd < 0)
		return;
	/* drain every queued event; on overflow (ENOBUFS) the read below catches up anyway */
	for (;;) {
		ssize_t len = recv(x->nl_fd, buf, sizeof(buf), 0);

		if (len > 0 || (len < 0 && errno == ENOBUFS)) {
			any = true;
			continue;
		}
		break;
	}
	if (!any)
		return;
	ret = read_local(x);
	for (int i = 0; !ret && i < x->n_ifs; i++)
		ret = sync_local(x, bpf_map__fd(x->ifs[i].skel->maps.xpool_dns_local));
	if (ret)
		xp_err("xdp: the host's addresses changed, and could not be followed: %s",
		       strerror(-ret));
	else
		xp_info("xdp: the host's addresses changed: queries from %d address(es) and "
			"directed broadcast(s) of the host are dropped",
			x->n_local);
}

int dns_xdp_sockets(const struct dns_xdp *x)
{
	return x ? x->n_q : 0;
}

/* Frames back to the fill ring: those TX has finished with, and those not answered. */
static void refill(struct xq *q, const uint64_t *addrs, uint32_t n)
{
	uint32_t idx;

	/* the fill ring has room for every frame there is: this waits only on a racing kernel */
	while (n && xsk_ring_prod__reserve(&q->fill, n, &idx) != n)
		;
	for (uint32_t i = 0; i < n; i++)
		*xsk_ring_prod__fill_addr(&q->fill, idx + i) = addrs[i];
	if (n)
		xsk_ring_prod__submit(&q->fill, n);
}

static void completions(struct xq *q)
{
	uint64_t addrs[BATCH];
	uint32_t idx, n;

	while ((n = xsk_ring_cons__peek(&q->comp, BATCH, &idx))) {
		for (uint32_t i = 0; i < n; i++)
			addrs[i] = *xsk_ring_cons__comp_addr(&q->comp, idx + i);
		xsk_ring_cons__release(&q->comp, n);
		refill(q, addrs, n);
	}
}

/* One batch of received frames, answered in place and queued to TX, or recycled: how many. */
static uint32_t batch(struct xq *q, struct dns_server *s, struct dns_worker *w, uint8_t *out)
{
	struct dns_view v = {s->cfg, NULL, s->geo};
	uint64_t back[BATCH], tx_addr[BATCH];
	uint32_t tx_len[BATCH], idx, n, nb = 0, nt = 0;

	n = xsk_ring_cons__peek(&q->rx, BATCH, &idx);
	if (!n)
		return 0;
	w->now = (uint32_t)time(NULL);
	rcu_read_lock();
	v.data = rcu_dereference(s->data);
	for (uint32_t i = 0; i < n; i++) {
		const struct xdp_desc *d = xsk_ring_cons__rx_desc(&q->rx, idx + i);
		uint64_t addr = xsk_umem__add_offset_to_addr(d->addr);
		uint8_t *f = xsk_umem__get_data(q->area, addr);
		size_t room = FRAME - addr % FRAME, len = 0, cap;
		struct dns_frame fr;
		int ret;

		w->stats.xdp++;
		ret = dns_frame_parse(f, d->len, &fr);
		if (ret == -EADDRNOTAVAIL) {
			w->stats.xdp_bad_source++;
		} else if (ret) {
			w->stats.xdp_bad++;
		} else {
			/* the reply fits the link: no IP fragments on this path */
			size_t hdr = fr.l3 + (fr.v6 ? 48 : 28);

			cap = fr.l3 + (size_t)q->mtu < room ? fr.l3 + (size_t)q->mtu : room;
			if (cap > hdr)
				len = dns_server_respond(
				    s, w, &v, f + fr.msg, fr.msg_len, &fr.cl, out,
				    cap - hdr < DNS_UDP_MAX ? cap - hdr : DNS_UDP_MAX);
			if (len)
				len = dns_frame_reply(f, cap, &fr, out, len);
		}
		if (len) {
			tx_addr[nt] = addr;
			tx_len[nt++] = (uint32_t)len;
		} else {
			back[nb++] = addr;
		}
	}
	rcu_read_unlock();
	xsk_ring_cons__release(&q->rx, n);
	refill(q, back, nb);
	/* TX has a slot for every frame there is: a full ring only waits for completions */
	while (nt && xsk_ring_prod__reserve(&q->tx, nt, &idx) != nt) {
		w->stats.xdp_tx_wait++;
		completions(q);
		sendto(xsk_socket__fd(q->xsk), NULL, 0, MSG_DONTWAIT, NULL, 0);
	}
	for (uint32_t i = 0; i < nt; i++) {
		struct xdp_desc *d = xsk_ring_prod__tx_desc(&q->tx, idx + i);

		d->addr = tx_addr[i];
		d->len = tx_len[i];
	}
	if (nt) {
		xsk_ring_prod__submit(&q->tx, nt);
		if (xsk_ring_prod__needs_wakeup(&q->tx))
			sendto(xsk_socket__fd(q->xsk), NULL, 0, MSG_DONTWAIT, NULL, 0);
	}
	return n;
}

void dns_xdp_serve(struct dns_xdp *x, int i, struct dns_server *s, struct dns_worker *w)
{
	struct xq *q = &x->q[i];
	struct pollfd p = {.fd = xsk_socket__fd(q->xsk), .events = POLLIN};
	uint8_t out[DNS_UDP_MAX];

	while (!atomic_load_explicit(&s->stop, memory_order_relaxed)) {
		completions(q);
		/* nothing received: sleep in poll (it also wakes the driver to refill) */
		if (!batch(q, s, w, out))
			poll(&p, 1, POLL_MS);
	}
}

void dns_xdp_metrics(const struct dns_xdp *x, struct xp_metrics *m)
{
	static const char *const names[XDNS_N_STATS] = {
	    [XDNS_REDIRECT] = "redirect",
	    [XDNS_NO_SOCKET] = "pass_no_socket",
	    [XDNS_PASS_OTHER] = "pass_other",
	    [XDNS_PASS_NOT_UDP] = "pass_not_udp",
	    [XDNS_PASS_FRAG] = "pass_fragment",
	    [XDNS_PASS_EXTHDR] = "pass_ipv6_extension",
	    [XDNS_PASS_NOT_OURS] = "pass_not_ours",
	    [XDNS_PASS_SHORT] = "pass_short",
	    [XDNS_PASS_BAD_CSUM] = "pass_bad_checksum",
	    [XDNS_DROP_BAD_SOURCE] = "drop_bad_source",
	};
	int ncpu = libbpf_num_possible_cpus();
	__u64 *v;

	if (!x || !x->n_ifs || ncpu <= 0)
		return;
	v = calloc(ncpu, sizeof(*v));
	if (!v)
		return;
	xp_metrics_family(m, "xpool_dns_xdp_frames_total", "counter",
			  "What the XDP program did with each frame.");
	for (int i = 0; i < x->n_ifs; i++)
		for (__u32 k = 0; k < XDNS_N_STATS; k++) {
			struct xp_label l[2] = { { "interface", x->ifs[i].name },
						 { "result", names[k] } };
			__u64 sum = 0;

			if (bpf_map_lookup_elem(bpf_map__fd(x->ifs[i].skel->maps.xpool_dns_stats),
						&k, v))
				continue;
			for (int c = 0; c < ncpu; c++)
				sum += v[c];
			xp_metrics_samplef(m, NULL, l, 2, "%llu", (unsigned long long)sum);
		}
	free(v);
}

void dns_xdp_close(struct dns_xdp *x)
{
	if (!x)
		return;
	if (x->nl_fd >= 0)
		close(x->nl_fd);
	for (int i = 0; i < x->n_q; i++)
		xq_close(&x->q[i]);
	for (int i = 0; i < x->n_ifs; i++) {
		bpf_link__destroy(x->ifs[i].link);
		xpool_dns_bpf__destroy(x->ifs[i].skel);
	}
	free(x);
}
