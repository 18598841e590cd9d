/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* ntpd_xdp.h - loads or adopts the XDP responder, maps its clock, attaches it to interfaces. */
#ifndef NTPD_XDP_H
#define NTPD_XDP_H

#include <stddef.h>
#include <stdint.h>

#include "xpool_shared.h"

#define NTPD_MAX_IFACES 16
#define NTPD_PROG_NAME	"xpool_ntp"

enum ntpd_xdp_mode { NTPD_XDP_AUTO, NTPD_XDP_NATIVE, NTPD_XDP_GENERIC };

struct xpool_ntp_bpf;

struct ntpd_xdp {
	struct xpool_ntp_bpf *skel; /* NULL when adopted */
	int prog_fd;
	int clock_fd, config_fd, addrs_fd, acl_fd, stats_fd, ratelimit_fd;
	struct xpool_clock *clock; /* the clock map, mmap()ed */
	size_t clock_len;
	int n_if;
	struct {
		int ifindex;
		uint32_t flags; /* XDP_FLAGS_DRV_MODE or XDP_FLAGS_SKB_MODE */
		char name[16];
	} ifs[NTPD_MAX_IFACES];
};

/*
 * Loads the embedded object. With pin_path, maps are pinned there by name and reused when
 * already pinned (a restart or an upgrade keeps clock data, counters and rate-limit state);
 * NULL keeps them private. rl_clients sizes the rate-limit table (0: the object's default).
 */
int ntpd_xdp_load(struct ntpd_xdp *x, const char *pin_path, uint32_t rl_clients);

/* Finds the program attached to ifname (by ip link or another daemon) and opens its maps. */
int ntpd_xdp_adopt(struct ntpd_xdp *x, const char *ifname);

/*
 * Attaches to ifname. A program already attached that is an xpool responder is replaced
 * atomically (XDP_FLAGS_REPLACE with it as the expected one), so no request goes unanswered;
 * any other program is left alone and the call fails.
 */
int ntpd_xdp_attach(struct ntpd_xdp *x, const char *ifname, enum ntpd_xdp_mode mode);

/* Detaches only where our program is still the one attached. */
void ntpd_xdp_detach_all(struct ntpd_xdp *x);
void ntpd_xdp_close(struct ntpd_xdp *x);

int ntpd_xdp_prog_fd(const struct ntpd_xdp *x);
int ntpd_xdp_set_config(struct ntpd_xdp *x, const struct xpool_config *cfg);
/* Sums each per-CPU counter over every CPU, from a stats map fd or the loaded program. */
int ntpd_stats_read(int map_fd, uint64_t out[XPOOL_STAT__MAX]);
int ntpd_xdp_read_stats(const struct ntpd_xdp *x, uint64_t out[XPOOL_STAT__MAX]);
/* Empties a hash or LPM map (for reloading addresses and prefixes). */
int ntpd_map_clear(int map_fd, size_t key_size);

int ntpd_xdp_mode_parse(const char *s, enum ntpd_xdp_mode *mode);

/* Opens the maps pinned under dir (for xpoolctl): 0 or -errno; unused fds are -1. */
int ntpd_xdp_open_pinned(struct ntpd_xdp *x, const char *dir);

#endif
