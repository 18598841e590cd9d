// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* test_pool_zone.c - the pool's zones: numbering, names, labels, and the zones a server is in. */
#include <string.h>
#include <criterion/criterion.h>

#include "pool_zone.h"

Test(pool_zone, names_and_labels_agree)
{
	cr_expect_str_eq(pool_zone_name(POOL_ZONE_GLOBAL), "global");
	cr_expect_str_eq(pool_zone_name(POOL_ZONE_CONT(xp_continent_index("europe", 6))), "europe");
	cr_expect_str_eq(pool_zone_name(POOL_ZONE_CC(xp_cc_index("de", 2))), "de");
	cr_expect_str_eq(pool_zone_name(-1), "unknown");
	cr_expect_str_eq(pool_zone_name(POOL_N_ZONES), "unknown");
	/* every zone but the global one is named by its own label, and only by it */
	for (int z = 1; z < POOL_N_ZONES; z++) {
		const char *n = pool_zone_name(z);

		cr_assert_eq(pool_zone_by_label(n, strlen(n)), z, "zone %d (%s)", z, n);
	}
	cr_expect_eq(pool_zone_by_label("UK", 2), POOL_ZONE_CC(xp_cc_index("gb", 2)), "uk is gb");
	cr_expect_eq(pool_zone_by_label("DE", 2), POOL_ZONE_CC(xp_cc_index("de", 2)), "any case");
	cr_expect_eq(pool_zone_by_label("global", 6), -1, "the global zone has no label");
	cr_expect_eq(pool_zone_by_label("zz", 2), -1);
	cr_expect_eq(pool_zone_by_label("europ", 5), -1);
	cr_expect_eq(pool_zone_by_label("", 0), -1);
}

Test(pool_zone, a_server_is_in_global_continent_and_country)
{
	int z[POOL_ZONES_OF_MAX], n, de = xp_cc_index("de", 2), aq = xp_cc_index("aq", 2);

	n = pool_zone_of(de, z);
	cr_assert_eq(n, 3);
	cr_expect_eq(z[0], POOL_ZONE_GLOBAL);
	cr_expect_str_eq(pool_zone_name(z[1]), "europe");
	cr_expect_eq(z[2], POOL_ZONE_CC(de));
	/* every country: global first, its own zone last, a continent between when it has one */
	for (int cc = 0; cc < XP_N_COUNTRIES; cc++) {
		n = pool_zone_of(cc, z);
		cr_assert(n == 2 || n == 3, "%s: %d zones", xp_cc_code(cc), n);
		cr_assert_eq(z[0], POOL_ZONE_GLOBAL);
		cr_assert_eq(z[n - 1], POOL_ZONE_CC(cc));
		cr_assert_eq(n == 3, xp_cc_continent(cc) >= 0, "%s", xp_cc_code(cc));
		if (n == 3)
			cr_assert_eq(z[1], POOL_ZONE_CONT(xp_cc_continent(cc)));
	}
	cr_expect_eq(pool_zone_of(aq, z), 3, "Antarctica is a continent of the pool's");
	cr_expect_eq(pool_zone_of(-1, z), 0, "an unknown country is in no zone");
	cr_expect_eq(pool_zone_of(XP_N_COUNTRIES, z), 0);
}
