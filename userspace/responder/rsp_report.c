// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* rsp_report.c - the responder's figures, for the Prometheus endpoint and xpoolctl. */
#include <ctype.h>
#include <string.h>
#include <time.h>
#include <bpf/bpf.h>

#include "rsp_report.h"
#include "rsp_xdp.h"
#include "xp_time.h"

#define STAT_ROW(name, verdict, desc) { #name, verdict, desc },
static const struct {
	const char *name, *verdict, *desc;
} rows[] = { XPOOL_STATS(STAT_ROW) };

int rsp_report_collect(int stats_fd, int clock_fd, struct rsp_report *r)
{
	struct xpool_clock ck;
	const struct xpool_clock_slot *s;
	struct timespec now;
	__u32 zero = 0;
	int ret;

	memset(r, 0, sizeof(*r));
	ret = rsp_stats_read(stats_fd, r->stats);
	if (ret || clock_fd < 0)
		return ret;
	ret = bpf_map_lookup_elem(clock_fd, &zero, &ck);
	if (ret)
		return ret;
	s = &ck.slot[ck.seq & 1];
	clock_gettime(CLOCK_MONOTONIC, &now); /* the clock bpf_ktime_get_ns() reads */
	r->have_clock = s->mono_ns != 0;
	r->age_s = r->have_clock ? ((double)xp_ts_ns(&now) - (double)s->mono_ns) / 1e9 : 0;
	r->stale_s = (s->stale_ns ? s->stale_ns : XPOOL_STALE_DEFAULT_NS) / 1e9;
	r->synced = r->have_clock && xpool_slot_synced(s); /* the program's own rule */
	r->stratum = r->synced ? s->stratum : 0;
	r->leap = r->synced ? s->leap : 3;
	return 0;
}

static uint64_t rsp_report_ratelimit_hits(const struct rsp_report *r)
{
	return r->stats[XPOOL_STAT_DROP_RATE] + r->stats[XPOOL_STAT_KOD_RATE] +
	       r->stats[XPOOL_STAT_REPLY_RATE_LEAK];
}

static void lower(char *dst, const char *src, size_t n)
{
	size_t i;

	for (i = 0; i + 1 < n && src[i]; i++)
		dst[i] = tolower((unsigned char)src[i]);
	dst[i] = 0;
}

void rsp_report_prometheus(const struct rsp_report *r, struct xp_metrics *m)
{
	char name[64];

	xp_metrics_family(m, "xpool_ntp_packets_total", "counter",
			  "Packets seen by the XDP responder, by verdict and reason.");
	for (int k = 0; k < XPOOL_STAT__MAX; k++) {
		struct xp_label l[2] = { { "verdict", rows[k].verdict }, { "reason", name } };

		lower(name, rows[k].name, sizeof(name));
		xp_metrics_samplef(m, NULL, l, 2, "%lu", (unsigned long)r->stats[k]);
	}
	xp_metrics_family(m, "xpool_ntp_ratelimit_hits_total", "counter",
			  "Requests over a client's rate limit (dropped, KoD or leaked).");
	xp_metrics_u64(m, rsp_report_ratelimit_hits(r));
	xp_metrics_family(m, "xpool_ntp_clock_age_seconds", "gauge",
			  "Age of the clock data the responder serves.");
	xp_metrics_samplef(m, NULL, NULL, 0, "%.6f", r->have_clock ? r->age_s : -1.0);
	xp_metrics_family(m, "xpool_ntp_clock_stale_after_seconds", "gauge",
			  "Age at which the responder steps aside.");
	xp_metrics_samplef(m, NULL, NULL, 0, "%.0f", r->stale_s);
	xp_metrics_family(m, "xpool_ntp_synchronised", "gauge",
			  "1 when replies carry a synchronised clock.");
	xp_metrics_samplef(m, NULL, NULL, 0, "%d", r->synced);
	xp_metrics_family(m, "xpool_ntp_stratum", "gauge",
			  "Stratum announced (0 when unsynchronised).");
	xp_metrics_samplef(m, NULL, NULL, 0, "%d", r->stratum);
	xp_metrics_family(m, "xpool_ntp_leap", "gauge",
			  "Leap indicator announced (3 when unsynchronised).");
	xp_metrics_samplef(m, NULL, NULL, 0, "%d", r->leap);
}

void rsp_report_text(const struct rsp_report *r, FILE *f)
{
	char name[64];

	if (r->have_clock)
		fprintf(f, "clock: %s, stratum %d, leap %d, data age %.3f s (steps aside after %.0f s)%s\n",
			r->synced ? "synchronised" : "unsynchronised", r->stratum, r->leap,
			r->age_s, r->stale_s, r->age_s > r->stale_s ? ": STALE, passing all" : "");
	else
		fprintf(f, "clock: never written, passing everything to the kernel\n");
	fprintf(f, "ratelimit hits: %lu\n", (unsigned long)rsp_report_ratelimit_hits(r));
	fprintf(f, "%-6s %-18s %14s  %s\n", "verdict", "reason", "packets", "meaning");
	for (int k = 0; k < XPOOL_STAT__MAX; k++) {
		lower(name, rows[k].name, sizeof(name));
		fprintf(f, "%-7s %-18s %14lu  %s\n", rows[k].verdict, name,
			(unsigned long)r->stats[k], rows[k].desc);
	}
}
