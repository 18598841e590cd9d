// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* xp_geo.c - where the built-in GeoIP database is (the lookups: userspace/pool/pool_geo.c). */
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "xp_geo.h"

void xp_geo_default(char *path, size_t n)
{
	static const char *const rel[] = {"../share/xpool/" XP_GEOIP_FILE, "geoip/" XP_GEOIP_FILE,
					  "../geoip/" XP_GEOIP_FILE};
	char exe[PATH_MAX], cand[PATH_MAX + 64];
	ssize_t len;
	char *slash;

	snprintf(path, n, "%s", XP_GEOIP_INSTALLED);
	if (!access(XP_GEOIP_INSTALLED, R_OK))
		return;
	/* decided at run time, never compiled in: no path of a build tree in a binary */
	len = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (len <= 0)
		return;
	exe[len] = 0;
	slash = strrchr(exe, '/');
	if (!slash)
		return;
	slash[1] = 0;
	for (size_t i = 0; i < sizeof(rel) / sizeof(rel[0]); i++) {
		snprintf(cand, sizeof(cand), "%s%s", exe, rel[i]);
		if (!access(cand, R_OK) && strlen(cand) < n) {
			snprintf(path, n, "%s", cand);
			return;
		}
	}
}
