/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* xp_priv.h - the daemons' one way to drop privileges: keep a set of capabilities, maybe a user. */
#ifndef XP_PRIV_H
#define XP_PRIV_H

#include <stddef.h>
#include <sys/capability.h>

/*
 * Switches to user (when not NULL: its uid, gid and groups, keeping the capabilities across the
 * switch), then keeps exactly the n capabilities of keep (permitted and effective; none when n
 * is 0) and sets no_new_privs. 0, or -errno with the reason in why. A warning that does not fail
 * the drop (no_new_privs refused) is left in why with 0; why is "" otherwise.
 */
int xp_priv_drop(const cap_value_t *keep, int n, const char *user, char *why, size_t len);

#endif
