/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* xp_version.h - every binary's version, from one place (git describe, or the VERSION file). */
#ifndef XP_VERSION_H
#define XP_VERSION_H

const char *xp_version(void);

#endif
