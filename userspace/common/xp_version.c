// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* xp_version.c - every binary's version, from one place (git describe, or the VERSION file). */
#include "xp_version.h"

#ifndef XPOOL_VERSION /* the Makefile passes it to this file alone */
#define XPOOL_VERSION "unknown"
#endif

const char *xp_version(void)
{
	return XPOOL_VERSION;
}
