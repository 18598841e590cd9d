// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* xp_geo.c - the country of an address from an mmdb (MaxMind GeoIP2/GeoLite2 or ip-location-db). */
#include <errno.h>
#include <string.h>

#include "xp_cc.h"
#include "xp_geo.h"
#include "xp_log.h"

int xp_geo_open(const char *path, MMDB_s *db)
{
	int ret = MMDB_open(path, MMDB_MODE_MMAP, db);

	if (ret == MMDB_SUCCESS)
		return 0;
	xp_err("%s: cannot open the GeoIP database: %s", path,
	       ret == MMDB_IO_ERROR ? strerror(errno) : MMDB_strerror(ret));
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
