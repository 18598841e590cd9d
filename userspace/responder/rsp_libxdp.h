/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* rsp_libxdp.h - attaching the responder through libxdp: its dispatcher where the kernel has it. */
#ifndef RSP_LIBXDP_H
#define RSP_LIBXDP_H

#include <stdint.h>

/*
 * Attaches prog_fd to ifindex through libxdp (xdp_flag: XDP_FLAGS_DRV_MODE or _SKB_MODE):
 * beside other programs in libxdp's dispatcher where the kernel allows it, else as the one
 * program of the interface (libxdp's own fallback), which is said. 0 or -errno.
 */
int rsp_libxdp_attach(int prog_fd, int ifindex, uint32_t xdp_flag, const char *ifname);
/* Is the program attached to ifindex now libxdp's dispatcher (1), or not (0)? */
int rsp_libxdp_is_dispatcher(int ifindex);
/*
 * In a dispatcher: our new program joins, then the old responder (by name) leaves, so that one
 * of them answers at every moment. 0 or -errno.
 */
int rsp_libxdp_replace(int prog_fd, int ifindex, uint32_t xdp_flag, const char *ifname);
/* In a dispatcher: the responder (by name) leaves it; the other programs stay. 0 or -errno. */
int rsp_libxdp_detach(int ifindex, uint32_t xdp_flag);

#endif
