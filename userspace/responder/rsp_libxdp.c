// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* rsp_libxdp.c - attaching the responder through libxdp: its dispatcher where the kernel has it. */
#include <errno.h>
#include <string.h>
#include <unistd.h>
#include <linux/if_link.h>
#include <xdp/libxdp.h>

#include "rsp_libxdp.h"
#include "rsp_xdp.h"
#include "xp_log.h"

static enum xdp_attach_mode mode_of(uint32_t xdp_flag)
{
	return xdp_flag == XDP_FLAGS_SKB_MODE ? XDP_MODE_SKB : XDP_MODE_NATIVE;
}

int rsp_libxdp_is_dispatcher(int ifindex)
{
	struct xdp_multiprog *mp = xdp_multiprog__get_from_ifindex(ifindex);
	int ret = 0;

	if (!libxdp_get_error(mp) && mp) {
		ret = !xdp_multiprog__is_legacy(mp);
		xdp_multiprog__close(mp);
	}
	return ret;
}

int rsp_libxdp_attach(int prog_fd, int ifindex, uint32_t xdp_flag, const char *ifname)
{
	int fd = dup(prog_fd), ret;
	struct xdp_program *p;

	if (fd < 0)
		return -errno;
	p = xdp_program__from_fd(fd); /* it owns the duplicate from here */
	ret = libxdp_get_error(p);
	if (ret) {
		close(fd);
		return ret < 0 ? ret : -ret;
	}
	ret = xdp_program__attach(p, ifindex, mode_of(xdp_flag), 0);
	if (!ret)
		xp_info("%s: XDP responder attached through libxdp, %s", ifname,
			rsp_libxdp_is_dispatcher(ifindex)
			    ? "in its dispatcher beside other programs (xdp-loader status)"
			    : "as the only program of the interface: the kernel refused libxdp's "
			      "dispatcher (its freplace programs), libxdp fell back");
	xdp_program__close(p);
	return ret;
}

/* A responder among the dispatcher's programs, by name (and id, unless 0): 0 or -ENOENT. */
static int find_ours(struct xdp_multiprog *mp, uint32_t id, struct xdp_program **out)
{
	for (struct xdp_program *p = xdp_multiprog__next_prog(NULL, mp); p;
	     p = xdp_multiprog__next_prog(p, mp))
		if (!strcmp(xdp_program__name(p), RSP_PROG_NAME) &&
		    (!id || xdp_program__id(p) == id)) {
			*out = p;
			return 0;
		}
	return -ENOENT;
}

static int detach_id(int ifindex, uint32_t xdp_flag, uint32_t id)
{
	struct xdp_multiprog *mp = xdp_multiprog__get_from_ifindex(ifindex);
	struct xdp_program *ours;
	int ret = libxdp_get_error(mp);

	if (ret || !mp)
		return ret ? ret : -ENOENT;
	ret = find_ours(mp, id, &ours);
	if (!ret)
		ret = xdp_program__detach(ours, ifindex, mode_of(xdp_flag), 0);
	xdp_multiprog__close(mp);
	return ret;
}

int rsp_libxdp_detach(int ifindex, uint32_t xdp_flag)
{
	return detach_id(ifindex, xdp_flag, 0);
}

int rsp_libxdp_replace(int prog_fd, int ifindex, uint32_t xdp_flag, const char *ifname)
{
	struct xdp_multiprog *mp = xdp_multiprog__get_from_ifindex(ifindex);
	struct xdp_program *old;
	uint32_t old_id = 0;
	int ret = libxdp_get_error(mp);

	if (!ret && mp && !find_ours(mp, 0, &old))
		old_id = xdp_program__id(old);
	if (!ret && mp)
		xdp_multiprog__close(mp);
	if (ret)
		return ret;
	/* both run for a moment; the first answers, so no request goes unanswered */
	ret = rsp_libxdp_attach(prog_fd, ifindex, xdp_flag, ifname);
	if (!ret && old_id)
		ret = detach_id(ifindex, xdp_flag, old_id);
	return ret;
}
