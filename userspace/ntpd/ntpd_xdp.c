// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* ntpd_xdp.c - loads the embedded XDP responder, maps its clock, attaches it to interfaces. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <net/if.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include <linux/if_link.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "ntpd_clock.h"
#include "ntpd_xdp.h"
#include "xp_log.h"
#include "xpool_ntp.skel.h"

int ntpd_xdp_mode_parse(const char *s, enum ntpd_xdp_mode *mode)
{
	if (!strcmp(s, "auto"))
		*mode = NTPD_XDP_AUTO;
	else if (!strcmp(s, "native"))
		*mode = NTPD_XDP_NATIVE;
	else if (!strcmp(s, "generic"))
		*mode = NTPD_XDP_GENERIC;
	else
		return -EINVAL;
	return 0;
}

static int libbpf_quiet(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	if (level == LIBBPF_WARN)
		return vfprintf(stderr, fmt, ap);
	return 0;
}

int ntpd_xdp_load(struct ntpd_xdp *x)
{
	struct bpf_map *map;
	int ret;

	memset(x, 0, sizeof(*x));
	libbpf_set_print(libbpf_quiet);
	x->skel = xpool_ntp_bpf__open();
	if (!x->skel) {
		ret = -errno;
		xp_err("cannot open the embedded XDP object: %s", strerror(-ret));
		goto out;
	}
	/* no pinning yet: every instance (and every test) gets private maps */
	bpf_object__for_each_map(map, x->skel->obj)
		bpf_map__set_pin_path(map, NULL);
	ret = xpool_ntp_bpf__load(x->skel);
	if (ret) {
		xp_err("cannot load the XDP program (needs root or CAP_BPF+CAP_NET_ADMIN): %s",
		       strerror(-ret));
		goto out;
	}
	ret = ntpd_clock_mmap(bpf_map__fd(x->skel->maps.xpool_clock), &x->clock, &x->clock_len);
	if (ret)
		xp_err("cannot mmap the clock map: %s", strerror(-ret));
out:
	if (ret)
		ntpd_xdp_close(x);
	return ret;
}

int ntpd_xdp_prog_fd(const struct ntpd_xdp *x)
{
	return bpf_program__fd(x->skel->progs.xpool_ntp);
}

int ntpd_xdp_set_config(struct ntpd_xdp *x, const struct xpool_config *cfg)
{
	__u32 key = 0;
	int ret = bpf_map_update_elem(bpf_map__fd(x->skel->maps.xpool_config), &key, cfg, 0);

	if (ret)
		xp_err("cannot write the config map: %s", strerror(-ret));
	return ret;
}

int ntpd_stats_read(int map_fd, uint64_t out[XPOOL_STAT__MAX])
{
	int ncpu = libbpf_num_possible_cpus();
	uint64_t vals[ncpu > 0 ? ncpu : 1];
	int ret = 0;

	if (ncpu <= 0)
		return ncpu ? ncpu : -EINVAL;
	for (__u32 k = 0; k < XPOOL_STAT__MAX; k++) {
		ret = bpf_map_lookup_elem(map_fd, &k, vals);
		if (ret)
			goto out;
		out[k] = 0;
		for (int c = 0; c < ncpu; c++)
			out[k] += vals[c];
	}
out:
	return ret;
}

int ntpd_xdp_read_stats(const struct ntpd_xdp *x, uint64_t out[XPOOL_STAT__MAX])
{
	return ntpd_stats_read(bpf_map__fd(x->skel->maps.xpool_stats), out);
}

static int attach_one(struct ntpd_xdp *x, int ifindex, uint32_t mode_flag)
{
	/* UPDATE_IF_NOEXIST: never silently replace someone else's program */
	return bpf_xdp_attach(ifindex, ntpd_xdp_prog_fd(x), mode_flag | XDP_FLAGS_UPDATE_IF_NOEXIST,
			      NULL);
}

int ntpd_xdp_attach(struct ntpd_xdp *x, const char *ifname, enum ntpd_xdp_mode mode)
{
	int ifindex, ret;
	uint32_t flag = mode == NTPD_XDP_GENERIC ? XDP_FLAGS_SKB_MODE : XDP_FLAGS_DRV_MODE;

	if (x->n_if >= NTPD_MAX_IFACES) {
		ret = -E2BIG;
		xp_err("%s: at most %d interfaces", ifname, NTPD_MAX_IFACES);
		goto out;
	}
	ifindex = if_nametoindex(ifname);
	if (!ifindex) {
		ret = -errno;
		xp_err("%s: no such interface: %s", ifname, strerror(-ret));
		goto out;
	}
	ret = attach_one(x, ifindex, flag);
	if (ret && mode == NTPD_XDP_AUTO && ret != -EBUSY && ret != -EEXIST) {
		xp_warn("%s: native XDP failed (%s), falling back to generic mode", ifname,
			strerror(-ret));
		flag = XDP_FLAGS_SKB_MODE;
		ret = attach_one(x, ifindex, flag);
	}
	if (ret) {
		xp_err("%s: cannot attach XDP in %s mode: %s%s", ifname,
		       flag == XDP_FLAGS_SKB_MODE ? "generic" : "native", strerror(-ret),
		       ret == -EBUSY || ret == -EEXIST ? " (another XDP program is attached)" : "");
		goto out;
	}
	x->ifs[x->n_if].ifindex = ifindex;
	x->ifs[x->n_if].flags = flag;
	snprintf(x->ifs[x->n_if].name, sizeof(x->ifs[0].name), "%s", ifname);
	x->n_if++;
	xp_info("%s: XDP responder attached in %s mode", ifname,
		flag == XDP_FLAGS_SKB_MODE ? "generic" : "native");
out:
	return ret;
}

void ntpd_xdp_detach_all(struct ntpd_xdp *x)
{
	LIBBPF_OPTS(bpf_xdp_attach_opts, opts, .old_prog_fd = ntpd_xdp_prog_fd(x));

	for (int i = 0; i < x->n_if; i++) {
		int ret = bpf_xdp_detach(x->ifs[i].ifindex, x->ifs[i].flags | XDP_FLAGS_REPLACE,
					 &opts);

		if (ret)
			xp_warn("%s: detach failed: %s", x->ifs[i].name, strerror(-ret));
		else
			xp_info("%s: XDP responder detached", x->ifs[i].name);
	}
	x->n_if = 0;
}

void ntpd_xdp_close(struct ntpd_xdp *x)
{
	if (x->clock)
		munmap(x->clock, x->clock_len);
	x->clock = NULL;
	xpool_ntp_bpf__destroy(x->skel);
	x->skel = NULL;
}
