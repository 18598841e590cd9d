// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* test_pool_geo_hostile.c - zero-byte, truncated and corrupt GeoIP databases: refused or harmless.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <criterion/criterion.h>

#include "pool_geo.h"
#include "xt_tmp.h"
#include "xp_cc.h"
#include "xp_log.h"

static uint8_t *orig;
static size_t orig_len;

static void load_orig(void)
{
	const char *mm = getenv("XPOOL_GEO_TEST");
	FILE *f;

	cr_assert_not_null(mm, "XPOOL_GEO_TEST names the test mmdb (make unit sets it)");
	xp_log_init("test", XP_LOG_QUIET); /* hundreds of refusals: expected, not shown */
	f = fopen(mm, "rb");
	cr_assert_not_null(f);
	fseek(f, 0, SEEK_END);
	orig_len = ftell(f);
	rewind(f);
	orig = malloc(orig_len);
	cr_assert_eq(fread(orig, 1, orig_len, f), orig_len);
	fclose(f);
}

/* Opens a variant; if it opens, every lookup must return a defined answer. */
static int try_variant(const uint8_t *data, size_t len)
{
	char path[XT_TMP_PATH];
	struct pool_geo *g;
	int opened;

	cr_assert_eq(xt_tmp_file("geo", len ? data : NULL, len, path), 0);
	opened = pool_geo_open(path, &g) == 0;
	if (opened) {
		for (unsigned i = 0; i < 2000; i++) {
			uint8_t a4[4] = {i >> 3, i * 7, i * 13, i},
				a6[16] = {0x20, 0x01, i, i >> 8};
			struct pool_geo_res r;

			pool_geo_lookup(g, 4, a4, &r);
			cr_assert(r.cc >= -1 && r.cc < XP_N_COUNTRIES, "country index %d", r.cc);
			cr_assert(r.prefix <= 32, "IPv4 prefix %u", r.prefix);
			pool_geo_lookup(g, 6, a6, &r);
			cr_assert(r.cc >= -1 && r.cc < XP_N_COUNTRIES, "country index %d", r.cc);
			cr_assert(r.prefix <= 128, "IPv6 prefix %u", r.prefix);
		}
		pool_geo_close(g);
	}
	unlink(path);
	return opened;
}

Test(pool_geo_hostile, zero_bytes_and_truncations)
{
	load_orig();
	cr_expect(!try_variant(orig, 0), "a zero-byte database is refused");
	/* every cut of the metadata at the end, and cuts through the tree and data */
	for (size_t cut = 1; cut < orig_len; cut += cut < 64 ? 1 : orig_len / 97)
		try_variant(orig, cut);
	for (size_t cut = orig_len > 4096 ? orig_len - 4096 : 1; cut < orig_len; cut++)
		try_variant(orig, cut);
	free(orig);
}

Test(pool_geo_hostile, corrupt_bytes, .timeout = 120)
{
	uint8_t *v;
	uint64_t x = 0x2545f4914f6cdd1dULL;

	load_orig();
	v = malloc(orig_len);
	for (int round = 0; round < 300; round++) {
		memcpy(v, orig, orig_len);
		/* flip a few bytes: the search tree, the data section or the metadata */
		for (int k = 0; k < 1 + round % 8; k++) {
			x ^= x << 13, x ^= x >> 7, x ^= x << 17;
			v[x % orig_len] ^= 1 + (x >> 32) % 255;
		}
		try_variant(v, orig_len);
	}
	free(v);
	free(orig);
}
