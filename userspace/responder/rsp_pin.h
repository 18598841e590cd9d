/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* rsp_pin.h - whether the responder's pin path outlives the process that pins there. */
#ifndef RSP_PIN_H
#define RSP_PIN_H

#include <stddef.h>

/*
 * Whether pins under dir outlive this process. dir (or, before it exists, its nearest existing
 * parent) must be on a bpffs, and on the one that the nearest ancestor process in another mount
 * namespace (PID 1 at the latest) sees at the same path: `ip netns exec` runs each command in a
 * mount namespace of its own, with a fresh /sys where a bpffs mounted (by us) dies with it.
 * 0: lasting; -ENOTSUP: not on a bpffs; -EXDEV: on a bpffs private to this mount namespace;
 * another -errno: undecided (/proc not readable): nothing to say.
 */
int rsp_pin_lasting(const char *dir);

/*
 * What to tell the operator about a verdict of rsp_pin_lasting (-ENOTSUP or -EXDEV): the path,
 * what happens to the pins, and the remedy (for a network namespace of /run/netns, the exact
 * nsenter command). Written to buf (no newline); returns buf.
 */
const char *rsp_pin_advice(const char *dir, int verdict, char *buf, size_t n);

#endif
