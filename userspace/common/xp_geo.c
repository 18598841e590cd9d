// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* xp_geo.c - the country of an address from an mmdb (MaxMind GeoIP2/GeoLite2 or ip-location-db). */
#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "xp_cc.h"
#include "xp_geo.h"
#include "xp_log.h"

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

int xp_geo_open(const char *path, MMDB_s *db)
{
	int ret = MMDB_open(path, MMDB_MODE_MMAP, db), err = errno;

	bool io = ret == MMDB_FILE_OPEN_ERROR || ret == MMDB_IO_ERROR;

	if (ret == MMDB_SUCCESS)
		return 0;
	if (io && access(path, R_OK)) /* the reason itself, whatever the library did after it */
		err = errno;
	if (io && err == ENOENT && !strcmp(path, XP_GEOIP_INSTALLED))
		xp_err("%s: the built-in GeoIP database is not installed: install the package "
		       "xpool-geoip (from the source tree: make deps, then make install), or set "
		       "'geoip FILE' (another mmdb) or 'geoip off'",
		       path);
	else if (io)
		xp_err(
		    "%s: cannot open the GeoIP database: %s: set 'geoip FILE' to a readable mmdb "
		    "file, or 'geoip off'",
		    path, strerror(err));
	else
		xp_err("%s: not a GeoIP database: %s: set 'geoip FILE' to a MaxMind or "
		       "ip-location-db mmdb file, or 'geoip off'",
		       path, MMDB_strerror(ret));
	return -EINVAL;
}

/* MaxMind: country.iso_code; ip-location-db: country_code. */
int xp_geo_entry_country(MMDB_entry_s *e)
{
	MMDB_entry_data_s d;

	if ((MMDB_get_value(e, &d, "country_code", NULL) == MMDB_SUCCESS && d.has_data) ||
	    (MMDB_get_value(e, &d, "country", "iso_code", NULL) == MMDB_SUCCESS && d.has_data) ||
	    (MMDB_get_value(e, &d, "registered_country", "iso_code", NULL) == MMDB_SUCCESS &&
	     d.has_data)) {
		if (d.type == MMDB_DATA_TYPE_UTF8_STRING)
			return xp_cc_index(d.utf8_string, d.data_size);
	}
	return -1;
}

int xp_geo_country(MMDB_s *db, const char *ip)
{
	int gai = 0, err = 0;
	MMDB_lookup_result_s res = MMDB_lookup_string(db, ip, &gai, &err);

	if (gai || err != MMDB_SUCCESS || !res.found_entry)
		return -1;
	return xp_geo_entry_country(&res.entry);
}
