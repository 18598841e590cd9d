// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* fuzz_dns.c - libFuzzer target: any bytes through the query parser and the response builder. */
#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>

#include "dns_answer.h"
#include "dns_wire.h"

static struct dns_config cfg;
static struct dns_data *data;
static struct dns_worker worker;
static struct dns_view view;

static void setup(void)
{
	static const char *const ips[] = { "192.0.2.1", "192.0.2.2", "198.51.100.1",
					   "2001:db8::1", "2001:db8::2" };
	static const char *const ccs[] = { "de", "de", "fr", "de", "jp" };
	struct dns_snapshot snap = { .n = 5 };

	dns_config_defaults(&cfg);
	strcpy(cfg.zone, "pool.ntp.test");
	strcpy(cfg.chaos_id, "fuzz");
	cfg.n_vendors = 1;
	strcpy(cfg.vendors[0], "vendor");
	dns_config_finish(&cfg);
	snap.e = calloc(snap.n, sizeof(*snap.e));
	for (size_t i = 0; i < snap.n; i++) {
		snap.e[i].v6 = strchr(ips[i], ':') != NULL;
		inet_pton(snap.e[i].v6 ? AF_INET6 : AF_INET, ips[i], snap.e[i].addr);
		snap.e[i].cc = dns_cc_index(ccs[i], 2);
		snap.e[i].score = 15;
		snap.e[i].netspeed = 1000 * (i + 1);
		snap.e[i].enabled = true;
	}
	data = dns_data_build(&snap, 10, 1, 1);
	dns_snapshot_free(&snap);
	dns_rng_seed(&worker.rng, 1);
	view = (struct dns_view){ &cfg, data, NULL };
}

int LLVMFuzzerTestOneInput(const uint8_t *in, size_t size)
{
	static uint8_t out[65536];
	struct dns_client cl = { .family = 4, .addr = { 192, 0, 2, 77 } };
	int tcp = size && (in[size - 1] & 1);
	size_t len;

	if (!data)
		setup();
	len = dns_answer(&view, &worker, in, size, &cl, tcp, out, sizeof(out));
	/* what goes on the wire: the query's ID, within the transport's limit */
	if (len && (len < DNS_HDR_LEN || len > (tcp ? 65535u : DNS_UDP_MAX) ||
		    memcmp(out, in, 2)))
		abort();
	if (len)
		len = dns_msg_truncate(out, len);
	return 0;
}
