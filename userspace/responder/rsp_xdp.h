/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* rsp_xdp.h - loads or adopts the XDP responder, maps its clock, attaches it to interfaces. */
#ifndef RSP_XDP_H
#define RSP_XDP_H

#include <stddef.h>
#include <stdbool.h>
#include <stdint.h>

#include "xpool_shared.h"

#define RSP_MAX_IFACES	     16
#define RSP_PROG_NAME	     "xpool_ntp"
#define RSP_PIN_PATH_DEFAULT "/sys/fs/bpf/xpool"

/* TAIL_CALL: attached to nothing; pinned for another root program's tail call */
enum rsp_xdp_mode { RSP_XDP_NATIVE, RSP_XDP_GENERIC, RSP_XDP_AUTO, RSP_XDP_TAIL_CALL };

struct xpool_ntp_bpf;

struct rsp_xdp {
	struct xpool_ntp_bpf *skel; /* NULL when adopted */
	int prog_fd;
	int map_fd[XPOOL_MAP__MAX]; /* enum xpool_map; -1 when not open */
	struct xpool_clock *clock;  /* the clock map, mmap()ed */
	size_t clock_len;
	bool libxdp; /* attach through libxdp (xdp-attach libxdp), else netlink */
	int n_if;
	struct {
		int ifindex;
		uint32_t flags; /* XDP_FLAGS_DRV_MODE or XDP_FLAGS_SKB_MODE */
		char name[16];
	} ifs[RSP_MAX_IFACES];
};

/*
 * Loads the embedded object. With pin_path, maps are pinned there by name and reused when
 * already pinned (a restart or an upgrade keeps clock data, counters and rate-limit state);
 * NULL keeps them private. rl_clients sizes the rate-limit table (0: the object's default).
 */
int rsp_xdp_load(struct rsp_xdp *x, const char *pin_path, uint32_t rl_clients);

/* Finds the program attached to ifname (by ip link or another daemon) and opens its maps. */
int rsp_xdp_adopt(struct rsp_xdp *x, const char *ifname);

/*
 * Attaches to ifname. A program already attached that is an xpool responder is replaced
 * atomically (XDP_FLAGS_REPLACE with it as the expected one), so no request goes unanswered;
 * any other program is left alone and the call fails.
 */
int rsp_xdp_attach(struct rsp_xdp *x, const char *ifname, enum rsp_xdp_mode mode);

/*
 * The one detach: removes the XDP program from ifname only if it is expected_fd's program, or
 * with expected_fd -1, an xpool responder (by program name); never another program, and an
 * atomic REPLACE so that a program attached meanwhile is left alone. 0, -ENODEV (no such
 * interface), -ENOENT (nothing attached), -EPERM (not the responder) or -errno.
 */
int rsp_xdp_detach(const char *ifname, int expected_fd, uint32_t *detached_id);
/* Detaches only where our program is still the one attached. */
void rsp_xdp_detach_all(struct rsp_xdp *x);
/*
 * Removes the maps pinned under dir (clock, counters, rate-limit state), the pinned program,
 * and dir itself: how many pins it removed, -ENOENT when dir does not exist, or -errno.
 */
int rsp_xdp_unpin(const char *dir);
/*
 * xdp-next: the pinned XDP program at path gets every frame xpool passes (a tail call from
 * slot 0 of the pinned xpool_next map, so it survives restarts and upgrades); NULL or "":
 * none. 0 or -errno, said once.
 */
int rsp_xdp_set_next(struct rsp_xdp *x, const char *path);
/* The program pinned at dir/RSP_PROG_PIN, for a root program's tail call: 0 or -errno. */
#define RSP_PROG_PIN "xpool_ntp_prog"
int rsp_xdp_pin_prog(struct rsp_xdp *x, const char *dir);
void rsp_xdp_close(struct rsp_xdp *x);

int rsp_xdp_prog_fd(const struct rsp_xdp *x);
int rsp_xdp_set_config(struct rsp_xdp *x, const struct xpool_config *cfg);
/* Sums each per-CPU counter over every CPU, from a stats map fd or the loaded program. */
int rsp_stats_read(int map_fd, uint64_t out[XPOOL_STAT__MAX]);
int rsp_xdp_read_stats(const struct rsp_xdp *x, uint64_t out[XPOOL_STAT__MAX]);
/* Empties a hash or LPM map (for reloading addresses and prefixes). */
int rsp_map_clear(int map_fd, size_t key_size);

/* Opens the maps pinned under dir (for xpoolctl): 0 or -errno; unused fds are -1. */
int rsp_xdp_open_pinned(struct rsp_xdp *x, const char *dir);

#endif
