// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* rsp_xdp.c - loads or adopts the XDP responder, maps its clock, attaches it to interfaces. */
#include <errno.h>
#include <net/if.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include <linux/if_link.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "rsp_clock.h"
#include "rsp_libxdp.h"
#include "rsp_xdp.h"
#include "xp_log.h"
#include "xpool_ntp.skel.h"

static const char *const map_names[XPOOL_MAP__MAX] = {
	[XPOOL_MAP_CLOCK] = XPOOL_MAP_NAME_CLOCK, [XPOOL_MAP_CONFIG] = XPOOL_MAP_NAME_CONFIG,
	[XPOOL_MAP_ADDRS] = XPOOL_MAP_NAME_ADDRS, [XPOOL_MAP_ACL] = XPOOL_MAP_NAME_ACL,
	[XPOOL_MAP_STATS] = XPOOL_MAP_NAME_STATS, [XPOOL_MAP_RATELIMIT] = XPOOL_MAP_NAME_RATELIMIT,
	[XPOOL_MAP_NEXT] = XPOOL_MAP_NAME_NEXT,
};


static void reset(struct rsp_xdp *x)
{
	memset(x, 0, sizeof(*x));
	x->prog_fd = -1;
	for (int i = 0; i < XPOOL_MAP__MAX; i++)
		x->map_fd[i] = -1;
}

static int libbpf_quiet(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	char msg[512];
	int n;

	if (level != LIBBPF_WARN)
		return 0;
	n = vsnprintf(msg, sizeof(msg), fmt, ap);
	if (n > 0 && msg[n < (int)sizeof(msg) ? n - 1 : (int)sizeof(msg) - 2] == '\n')
		msg[n < (int)sizeof(msg) ? n - 1 : (int)sizeof(msg) - 2] = 0;
	xp_warn("libbpf: %s", msg);
	return n;
}

static int map_clock(struct rsp_xdp *x)
{
	int ret = rsp_clock_mmap(x->map_fd[XPOOL_MAP_CLOCK], &x->clock, &x->clock_len);

	if (ret)
		xp_err("cannot mmap the clock map: %s", strerror(-ret));
	return ret;
}

int rsp_xdp_load(struct rsp_xdp *x, const char *pin_path, uint32_t rl_clients)
{
	struct bpf_map *map;
	char path[512];
	int ret = 0;

	reset(x);
	libbpf_set_print(libbpf_quiet);
	x->skel = xpool_ntp_bpf__open();
	if (!x->skel) {
		ret = -errno;
		xp_err("cannot open the embedded XDP object: %s", strerror(-ret));
		goto out;
	}
	if (rl_clients)
		bpf_map__set_max_entries(x->skel->maps.xpool_ratelimit, rl_clients);
	if (pin_path && mkdir(pin_path, 0700) && errno != EEXIST) {
		ret = -errno;
		xp_err("%s: cannot create the pin directory (is bpffs mounted on /sys/fs/bpf?): %s",
		       pin_path, strerror(-ret));
		goto out;
	}
	bpf_object__for_each_map(map, x->skel->obj) {
		if (!pin_path) {
			bpf_map__set_pin_path(map, NULL);
			continue;
		}
		snprintf(path, sizeof(path), "%s/%s", pin_path, bpf_map__name(map));
		bpf_map__set_pin_path(map, path);
	}
	ret = xpool_ntp_bpf__load(x->skel);
	if (ret) {
		xp_err("cannot load the XDP program (needs CAP_BPF and CAP_NET_ADMIN; pinned maps "
		       "under %s from an incompatible version or size must be removed): %s",
		       pin_path ? pin_path : "-", strerror(-ret));
		goto out;
	}
	x->prog_fd = bpf_program__fd(x->skel->progs.xpool_ntp);
	for (int i = 0; i < XPOOL_MAP__MAX; i++) {
		struct bpf_map *m = bpf_object__find_map_by_name(x->skel->obj, map_names[i]);

		x->map_fd[i] = dup(bpf_map__fd(m));
	}
	ret = map_clock(x);
out:
	if (ret)
		rsp_xdp_close(x);
	return ret;
}

/* Opens the maps of prog_fd by name. */
static int open_prog_maps(struct rsp_xdp *x, int prog_fd)
{
	struct bpf_prog_info info = { 0 };
	__u32 len = sizeof(info), ids[16], n;
	int ret;

	ret = bpf_obj_get_info_by_fd(prog_fd, &info, &len);
	if (ret)
		return ret;
	n = info.nr_map_ids < 16 ? info.nr_map_ids : 16;
	memset(&info, 0, sizeof(info));
	info.nr_map_ids = n;
	info.map_ids = (__u64)(unsigned long)ids;
	len = sizeof(info);
	ret = bpf_obj_get_info_by_fd(prog_fd, &info, &len);
	if (ret)
		return ret;
	for (__u32 i = 0; i < n; i++) {
		struct bpf_map_info mi = { 0 };
		__u32 mlen = sizeof(mi);
		int fd = bpf_map_get_fd_by_id(ids[i]);

		if (fd < 0)
			return -errno;
		if (bpf_obj_get_info_by_fd(fd, &mi, &mlen)) {
			close(fd);
			continue;
		}
		for (int k = 0; k < XPOOL_MAP__MAX; k++) {
			if (!strcmp(mi.name, map_names[k]) && x->map_fd[k] < 0) {
				x->map_fd[k] = fd;
				fd = -1;
			}
		}
		if (fd >= 0)
			close(fd);
	}
	for (int k = 0; k < XPOOL_MAP__MAX; k++)
		if (x->map_fd[k] < 0)
			return -ENOENT;
	return 0;
}

static int attached_prog(int ifindex, __u32 *prog_id, __u32 *mode_flag)
{
	LIBBPF_OPTS(bpf_xdp_query_opts, q);
	int ret = bpf_xdp_query(ifindex, 0, &q);

	if (ret)
		return ret;
	*prog_id = q.prog_id;
	*mode_flag = q.attach_mode == XDP_ATTACHED_SKB ? XDP_FLAGS_SKB_MODE : XDP_FLAGS_DRV_MODE;
	return 0;
}

static int prog_name(int fd, char *name, size_t n)
{
	struct bpf_prog_info info = { 0 };
	__u32 len = sizeof(info);
	int ret = bpf_obj_get_info_by_fd(fd, &info, &len);

	if (!ret)
		snprintf(name, n, "%s", info.name);
	return ret;
}

int rsp_xdp_adopt(struct rsp_xdp *x, const char *ifname)
{
	int ifindex = if_nametoindex(ifname), ret;
	__u32 id = 0, flag;
	char name[32] = "";

	reset(x);
	if (!ifindex) {
		ret = -errno;
		xp_err("%s: no such interface: %s", ifname, strerror(-ret));
		goto out;
	}
	ret = attached_prog(ifindex, &id, &flag);
	if (!ret && !id)
		ret = -ENOENT;
	if (ret) {
		xp_err("%s: no XDP program to adopt (attach one with ip link ... xdp obj "
		       "xpool_ntp.bpf.o sec xdp): %s", ifname, strerror(-ret));
		goto out;
	}
	x->prog_fd = bpf_prog_get_fd_by_id(id);
	if (x->prog_fd < 0 || prog_name(x->prog_fd, name, sizeof(name)) ||
	    strcmp(name, RSP_PROG_NAME)) {
		ret = x->prog_fd < 0 ? -errno : -EINVAL;
		xp_err("%s: attached program %u is not the xpool responder (%s)", ifname, id, name);
		goto out;
	}
	ret = open_prog_maps(x, x->prog_fd);
	if (ret) {
		xp_err("%s: cannot open the maps of program %u: %s", ifname, id, strerror(-ret));
		goto out;
	}
	ret = map_clock(x);
	if (ret)
		goto out;
	x->ifs[0].ifindex = ifindex;
	x->ifs[0].flags = flag;
	snprintf(x->ifs[0].name, sizeof(x->ifs[0].name), "%s", ifname);
	x->n_if = 1;
	xp_info("%s: adopted XDP program %u (%s mode)", ifname, id,
		flag == XDP_FLAGS_SKB_MODE ? "generic" : "native");
out:
	if (ret)
		rsp_xdp_close(x);
	return ret;
}

int rsp_xdp_open_pinned(struct rsp_xdp *x, const char *dir)
{
	char path[512];
	int ret = 0;

	reset(x);
	for (int k = 0; k < XPOOL_MAP__MAX; k++) {
		snprintf(path, sizeof(path), "%s/%s", dir, map_names[k]);
		x->map_fd[k] = bpf_obj_get(path);
		if (x->map_fd[k] < 0 && !ret)
			ret = -errno;
	}
	return ret;
}

int rsp_xdp_prog_fd(const struct rsp_xdp *x)
{
	return x->prog_fd;
}

int rsp_xdp_set_config(struct rsp_xdp *x, const struct xpool_config *cfg)
{
	__u32 key = 0;
	int ret = bpf_map_update_elem(x->map_fd[XPOOL_MAP_CONFIG], &key, cfg, 0);

	if (ret)
		xp_err("cannot write the config map: %s", strerror(-ret));
	return ret;
}

int rsp_stats_read(int map_fd, uint64_t out[XPOOL_STAT__MAX])
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

int rsp_xdp_read_stats(const struct rsp_xdp *x, uint64_t out[XPOOL_STAT__MAX])
{
	return rsp_stats_read(x->map_fd[XPOOL_MAP_STATS], out);
}

int rsp_map_clear(int map_fd, size_t key_size)
{
	uint8_t key[64];
	int ret = 0;

	if (key_size > sizeof(key))
		return -EINVAL;
	/* always restart from the first key: deleting invalidates the iteration */
	while (!bpf_map_get_next_key(map_fd, NULL, key)) {
		ret = bpf_map_delete_elem(map_fd, key);
		if (ret)
			break;
	}
	return ret;
}

static int attach_new(struct rsp_xdp *x, int ifindex, uint32_t mode_flag)
{
	/* UPDATE_IF_NOEXIST: never silently replace someone else's program */
	return bpf_xdp_attach(ifindex, x->prog_fd, mode_flag | XDP_FLAGS_UPDATE_IF_NOEXIST, NULL);
}

/* Swaps our program in for the responder attached now: no moment without one. */
static int replace(struct rsp_xdp *x, const char *ifname, int ifindex, __u32 old_id,
		   uint32_t flag)
{
	int old_fd = bpf_prog_get_fd_by_id(old_id), ret;
	char name[32] = "";
	LIBBPF_OPTS(bpf_xdp_attach_opts, opts);

	if (old_fd < 0)
		return -errno;
	if (prog_name(old_fd, name, sizeof(name)) || strcmp(name, RSP_PROG_NAME)) {
		xp_err("%s: another XDP program (%u, '%s') is attached; not replacing it", ifname,
		       old_id, name);
		ret = -EBUSY;
		goto out;
	}
	opts.old_prog_fd = old_fd;
	ret = bpf_xdp_attach(ifindex, x->prog_fd, flag | XDP_FLAGS_REPLACE, &opts);
	if (!ret)
		xp_info("%s: replaced XDP program %u atomically", ifname, old_id);
out:
	close(old_fd);
	return ret;
}

int rsp_xdp_attach(struct rsp_xdp *x, const char *ifname, enum rsp_xdp_mode mode)
{
	uint32_t flag = mode == RSP_XDP_GENERIC ? XDP_FLAGS_SKB_MODE : XDP_FLAGS_DRV_MODE, cur;
	__u32 old_id = 0;
	int ifindex, ret;

	if (x->n_if >= RSP_MAX_IFACES) {
		ret = -E2BIG;
		xp_err("%s: at most %d interfaces", ifname, RSP_MAX_IFACES);
		goto out;
	}
	ifindex = if_nametoindex(ifname);
	if (!ifindex) {
		ret = -errno;
		xp_err("%s: no such interface: %s", ifname, strerror(-ret));
		goto out;
	}
	ret = attached_prog(ifindex, &old_id, &cur);
	if (ret) {
		xp_err("%s: cannot query XDP: %s", ifname, strerror(-ret));
		goto out;
	}
	if (old_id && x->libxdp && rsp_libxdp_is_dispatcher(ifindex)) {
		flag = cur;
		ret = rsp_libxdp_replace(x->prog_fd, ifindex, flag, ifname);
	} else if (old_id) {
		flag = cur; /* keep the mode the running responder has */
		ret = replace(x, ifname, ifindex, old_id, flag);
	} else if (x->libxdp) {
		ret = rsp_libxdp_attach(x->prog_fd, ifindex, flag, ifname);
	} else {
		ret = attach_new(x, ifindex, flag);
		if (ret && mode == RSP_XDP_AUTO && ret != -EBUSY && ret != -EEXIST) {
			xp_warn("%s: native XDP failed (%s), falling back to generic mode", ifname,
				strerror(-ret));
			flag = XDP_FLAGS_SKB_MODE;
			ret = attach_new(x, ifindex, flag);
		}
		if (!ret)
			xp_info("%s: XDP responder attached in %s mode", ifname,
				flag == XDP_FLAGS_SKB_MODE ? "generic" : "native");
	}
	if (ret) {
		xp_err("%s: cannot attach XDP in %s mode: %s", ifname,
		       flag == XDP_FLAGS_SKB_MODE ? "generic" : "native", strerror(-ret));
		goto out;
	}
	x->ifs[x->n_if].ifindex = ifindex;
	x->ifs[x->n_if].flags = flag;
	snprintf(x->ifs[x->n_if].name, sizeof(x->ifs[0].name), "%s", ifname);
	x->n_if++;
out:
	return ret;
}

int rsp_xdp_detach(const char *ifname, int expected_fd, uint32_t *detached_id)
{
	LIBBPF_OPTS(bpf_xdp_attach_opts, opts);
	int ifindex = if_nametoindex(ifname), fd = -1, ret;
	__u32 id = 0, flag = 0;
	char name[32] = "";

	if (!ifindex)
		return -ENODEV;
	ret = attached_prog(ifindex, &id, &flag);
	if (!ret && !id)
		ret = -ENOENT; /* nothing attached */
	if (ret)
		goto out;
	/* in libxdp's dispatcher: ours leaves it, the operator's programs stay */
	if (rsp_libxdp_is_dispatcher(ifindex)) {
		ret = rsp_libxdp_detach(ifindex, flag);
		goto out;
	}
	fd = expected_fd >= 0 ? dup(expected_fd) : bpf_prog_get_fd_by_id(id);
	if (fd < 0) {
		ret = -errno;
		goto out;
	}
	/* never another program: by name for the operator's tool, by identity for the daemon */
	if (expected_fd < 0 && (prog_name(fd, name, sizeof(name)) || strcmp(name, RSP_PROG_NAME))) {
		ret = -EPERM;
		goto out;
	}
	/* REPLACE with the expected program: if another one took its place, nothing happens */
	opts.old_prog_fd = fd;
	ret = bpf_xdp_detach(ifindex, flag | XDP_FLAGS_REPLACE, &opts);
	if (!ret && detached_id)
		*detached_id = id;
out:
	if (fd >= 0)
		close(fd);
	return ret;
}

void rsp_xdp_detach_all(struct rsp_xdp *x)
{
	for (int i = 0; i < x->n_if; i++) {
		int ret = rsp_xdp_detach(x->ifs[i].name, x->prog_fd, NULL);

		if (ret)
			xp_warn("%s: not detached (%s): another program replaced ours?",
				x->ifs[i].name, strerror(-ret));
		else
			xp_info("%s: XDP responder detached", x->ifs[i].name);
	}
	x->n_if = 0;
}

int rsp_xdp_set_next(struct rsp_xdp *x, const char *path)
{
	struct bpf_prog_info info = { 0 };
	__u32 len = sizeof(info), zero = 0;
	int fd, ret = 0;

	if (!path || !path[0]) /* none: what xpool passes goes to the kernel */
		return bpf_map_delete_elem(x->map_fd[XPOOL_MAP_NEXT], &zero) && errno != ENOENT
			       ? -errno
			       : 0;
	fd = bpf_obj_get(path);
	if (fd < 0) {
		ret = -errno;
		xp_err("xdp-next %s: %s", path, strerror(-ret));
		return ret;
	}
	if (bpf_obj_get_info_by_fd(fd, &info, &len) || info.type != BPF_PROG_TYPE_XDP) {
		xp_err("xdp-next %s: not a pinned XDP program", path);
		ret = -EINVAL;
	} else if (bpf_map_update_elem(x->map_fd[XPOOL_MAP_NEXT], &zero, &fd, BPF_ANY)) {
		ret = -errno;
		xp_err("xdp-next %s: cannot chain it: %s", path, strerror(-ret));
	} else {
		xp_info("xdp-next: what xpool passes goes to %s (program %u)", path, info.id);
	}
	close(fd);
	return ret;
}

int rsp_xdp_pin_prog(struct rsp_xdp *x, const char *dir)
{
	char path[512];
	int ret;

	snprintf(path, sizeof(path), "%s/%s", dir, RSP_PROG_PIN);
	unlink(path); /* a previous run's: this program takes its place */
	ret = bpf_obj_pin(x->prog_fd, path) ? -errno : 0;
	if (ret)
		xp_err("cannot pin the program at %s: %s", path, strerror(-ret));
	return ret;
}

int rsp_xdp_unpin(const char *dir)
{
	char path[512];
	int ret = 0, removed = 0;
	struct stat st;

	if (stat(dir, &st))
		return -errno; /* -ENOENT: nothing pinned there, nothing removed */
	if (!S_ISDIR(st.st_mode))
		return -ENOTDIR;
	for (int k = -1; k < XPOOL_MAP__MAX; k++) {
		snprintf(path, sizeof(path), "%s/%s", dir, k < 0 ? RSP_PROG_PIN : map_names[k]);
		if (!unlink(path))
			removed++;
		else if (errno != ENOENT && !ret)
			ret = -errno;
	}
	if (rmdir(dir) && !ret)
		ret = -errno; /* ENOTEMPTY: something not ours is pinned there too, left alone */
	return ret ? ret : removed;
}

void rsp_xdp_close(struct rsp_xdp *x)
{
	if (x->clock)
		munmap(x->clock, x->clock_len);
	x->clock = NULL;
	for (int k = 0; k < XPOOL_MAP__MAX; k++) {
		if (x->map_fd[k] >= 0)
			close(x->map_fd[k]);
		x->map_fd[k] = -1;
	}
	if (!x->skel && x->prog_fd >= 0)
		close(x->prog_fd);
	x->prog_fd = -1;
	xpool_ntp_bpf__destroy(x->skel);
	x->skel = NULL;
}
