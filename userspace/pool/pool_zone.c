// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* pool_zone.c - the pool's zones: global, continents, countries; which a server is in. */
#include "pool_zone.h"

const char *pool_zone_name(int zone)
{
	if (zone < 0 || zone >= POOL_N_ZONES)
		return "unknown";
	if (zone == POOL_ZONE_GLOBAL)
		return "global";
	if (zone < POOL_ZONE_CC(0))
		return xp_continent_name(zone - 1);
	return xp_cc_code(zone - POOL_ZONE_CC(0));
}

int pool_zone_of(int cc, int out[POOL_ZONES_OF_MAX])
{
	int cont, n = 0;

	if (cc < 0 || cc >= XP_N_COUNTRIES)
		return 0;
	cont = xp_cc_continent(cc);
	out[n++] = POOL_ZONE_GLOBAL;
	if (cont >= 0)
		out[n++] = POOL_ZONE_CONT(cont);
	out[n++] = POOL_ZONE_CC(cc);
	return n;
}

int pool_zone_by_label(const char *label, size_t len)
{
	int cc, c;

	if (len > 64) /* a DNS label's limit; xp_cc takes an int */
		return -1;
	cc = xp_cc_index(label, (int)len);
	if (cc >= 0)
		return POOL_ZONE_CC(cc);
	c = xp_continent_index(label, (int)len);
	return c >= 0 ? POOL_ZONE_CONT(c) : -1;
}
