// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* fuzz_snapshot.c - libFuzzer target: any bytes as a snapshot, and the zones built from it. */
#include <stdint.h>
#include <stdlib.h>

#include "dns_data.h"

int LLVMFuzzerTestOneInput(const uint8_t *in, size_t size)
{
	struct dns_snapshot snap;

	/* both address policies: a production pool and a test pool */
	for (unsigned flags = 0; flags <= DNS_SNAP_TEST_ADDRESSES; flags++) {
		if (dns_snapshot_parse((const char *)in, size, "fuzz", flags, &snap))
			continue;
		struct dns_data *d = dns_data_build(&snap, 10, 1, 1);

		if (!d && snap.n)
			abort(); /* a valid snapshot always builds (or we ran out of memory) */
		dns_data_free(d);
		dns_snapshot_free(&snap);
	}
	return 0;
}
