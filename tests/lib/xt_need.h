/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* xt_need.h - privileged Criterion suites skip, with the reason shown, where they cannot run. */
#ifndef XT_NEED_H
#define XT_NEED_H

#include <unistd.h>
#include <criterion/criterion.h>

/* The BPF suites load programs: root (CAP_BPF and CAP_NET_ADMIN) and the bpf syscall. */
static inline void xt_need_bpf(void)
{
	if (geteuid() != 0)
		cr_skip_test("needs root for the bpf syscall (make check runs as root; make unit "
			     "runs the unprivileged tests)");
}

#endif
