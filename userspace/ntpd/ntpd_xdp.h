/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* ntpd_xdp.h - loads the embedded XDP responder, maps its clock, attaches it to interfaces. */
#ifndef NTPD_XDP_H
#define NTPD_XDP_H

#include <stdint.h>

#include "xpool_shared.h"

#define NTPD_MAX_IFACES 16

enum ntpd_xdp_mode { NTPD_XDP_AUTO, NTPD_XDP_NATIVE, NTPD_XDP_GENERIC };

struct xpool_ntp_bpf;

struct ntpd_xdp {
	struct xpool_ntp_bpf *skel;
	struct xpool_clock *clock; /* the clock map, mmap()ed */
	size_t clock_len;
	int n_if;
	struct {
		int ifindex;
		uint32_t flags; /* XDP_FLAGS_DRV_MODE or XDP_FLAGS_SKB_MODE */
		char name[16];
	} ifs[NTPD_MAX_IFACES];
};

int ntpd_xdp_load(struct ntpd_xdp *x);
int ntpd_xdp_prog_fd(const struct ntpd_xdp *x);
int ntpd_xdp_set_config(struct ntpd_xdp *x, const struct xpool_config *cfg);
/* Sums each per-CPU counter over every CPU, from a stats map fd or the loaded program. */
int ntpd_stats_read(int map_fd, uint64_t out[XPOOL_STAT__MAX]);
int ntpd_xdp_read_stats(const struct ntpd_xdp *x, uint64_t out[XPOOL_STAT__MAX]);
int ntpd_xdp_attach(struct ntpd_xdp *x, const char *ifname, enum ntpd_xdp_mode mode);
/* Detaches only where our program is still the one attached. */
void ntpd_xdp_detach_all(struct ntpd_xdp *x);
void ntpd_xdp_close(struct ntpd_xdp *x);

int ntpd_xdp_mode_parse(const char *s, enum ntpd_xdp_mode *mode);

#endif
