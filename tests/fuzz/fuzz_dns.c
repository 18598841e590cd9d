// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* fuzz_dns.c - libFuzzer target: any bytes through the query parser and the response builder. */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dns_answer.h"
#include "dns_wire.h"

static struct dns_config cfg, cfg_long;
static struct dns_data *data;
static struct dns_worker worker;
static struct dns_view view, view_long;

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
		snap.e[i].cc = xp_cc_index(ccs[i], 2);
		snap.e[i].score = 15;
		snap.e[i].netspeed = 1000 * (i + 1);
		snap.e[i].enabled = true;
	}
	data = dns_data_build(&snap, 10, 1, 1);
	dns_snapshot_free(&snap);
	pool_rng_seed(&worker.rng, 1);
	view = (struct dns_view){ &cfg, data, NULL };
	/* a second view whose eight NS names of ~130 characters nearly fill 1232 bytes */
	cfg_long = cfg;
	cfg_long.n_ns = 8;
	for (int i = 0; i < 8; i++)
		snprintf(cfg_long.ns[i], sizeof(cfg_long.ns[i]), "ns%d.%.60s.%.60s.example", i,
			 "nnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnn",
			 "mmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmm");
	view_long = (struct dns_view){ &cfg_long, data, NULL };
}

/* The largest reply the client allows: 512 without EDNS, its payload size (at most ours). */
static size_t client_limit(const uint8_t *in, size_t size, int tcp)
{
	struct dns_query q;

	if (tcp)
		return 65535;
	dns_parse_query(in, size, &q);
	if (!q.edns)
		return DNS_UDP_MIN;
	return q.edns_udp < DNS_UDP_MAX ? q.edns_udp : DNS_UDP_MAX;
}

/*
 * The last byte picks the transport (bit 0) and the view (bit 1). The output buffer is exactly
 * the client's limit, on the heap, so ASan sees a write past it whatever the builder reserved.
 */
int LLVMFuzzerTestOneInput(const uint8_t *in, size_t size)
{
	struct dns_client cl = { .family = 4, .addr = { 192, 0, 2, 77 } };
	int tcp = size && (in[size - 1] & 1);
	const struct dns_view *v = size && (in[size - 1] & 2) ? &view_long : &view;
	size_t len, limit;
	uint8_t *out;

	if (!data)
		setup();
	limit = client_limit(in, size, tcp);
	out = malloc(limit);
	if (!out)
		abort();
	len = dns_answer(v, &worker, in, size, &cl, tcp, out, limit);
	/* what goes on the wire: the query's ID, within the client's limit */
	if (len && (len < DNS_HDR_LEN || len > limit || memcmp(out, in, 2)))
		abort();
	if (len)
		len = dns_msg_truncate(out, len);
	free(out);
	return 0;
}
