// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* ntpgun.c - xpool-ntpgun: NTP load from XDP live frames, at a set rate or as fast as it can. */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <linux/if_link.h>

#include "xp_ntp.h"
#include "xp_version.h"
#include "xp_parse.h"
#include "xp_time.h"
#include "xpool_ntpgun.skel.h"

#define EXIT_USAGE 2

static int parse_mac(const char *s, uint8_t mac[6])
{
	return sscanf(s, "%hhx:%hhx:%hhx:%hhx:%hhx:%hhx", &mac[0], &mac[1], &mac[2], &mac[3],
		      &mac[4], &mac[5]) == 6
		   ? 0
		   : -EINVAL;
}

static uint16_t csum(const uint8_t *p, size_t n)
{
	uint32_t s = 0;

	for (size_t i = 0; i + 1 < n; i += 2)
		s += p[i] << 8 | p[i + 1];
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return ~s;
}

static void build(uint8_t *f, const uint8_t *smac, const uint8_t *dmac, uint32_t src, uint32_t dst)
{
	struct timespec now;
	uint16_t c;

	memset(f, 0, 90);
	memcpy(f, dmac, 6);
	memcpy(f + 6, smac, 6);
	f[12] = 0x08;
	f[14] = 0x45;
	f[17] = 76;
	f[20] = 0x40; /* DF */
	f[22] = 64;
	f[23] = 17;
	memcpy(f + 26, &src, 4);
	memcpy(f + 30, &dst, 4);
	c = csum(f + 14, 20);
	f[24] = c >> 8;
	f[25] = c;
	f[36] = 0;
	f[37] = 123;
	f[39] = 56;
	clock_gettime(CLOCK_REALTIME, &now);
	xp_ntp_request(f + 42, 4, 3, xp_timespec_to_ntp64(&now));
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return xp_ts_ns(&ts);
}

static uint64_t stat_sum(int fd, __u32 key)
{
	int ncpu = libbpf_num_possible_cpus();
	uint64_t v[ncpu > 0 ? ncpu : 1], s = 0;

	if (bpf_map_lookup_elem(fd, &key, v))
		return 0;
	for (int i = 0; i < ncpu; i++)
		s += v[i];
	return s;
}

/* Zeroes the per-CPU counters (sent, replies, KoD): the calibration's frames do not count. */
static void stat_zero(int fd)
{
	int ncpu = libbpf_num_possible_cpus();
	uint64_t v[ncpu > 0 ? ncpu : 1];

	memset(v, 0, sizeof(v));
	for (__u32 k = 0; k < 3; k++)
		bpf_map_update_elem(fd, &k, v, BPF_ANY);
}

/* Wall time of one live-frames call of n frames (batch frames per kernel batch): ns, or 0. */
static uint64_t call_ns(int prog, uint8_t *frame, size_t len, int ifindex, uint32_t n,
			uint32_t batch)
{
	struct xdp_md ctx = {.data_end = len, .ingress_ifindex = ifindex};
	LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = frame, .data_size_in = len, .ctx_in = &ctx,
		    .ctx_size_in = sizeof(ctx), .repeat = n, .flags = BPF_F_TEST_XDP_LIVE_FRAMES,
		    .batch_size = batch);
	uint64_t t = now_ns();

	if (bpf_prog_test_run_opts(prog, &opts))
		return 0;
	return now_ns() - t;
}

/*
 * Frames per call, from the measured cost of a call: on some machines each call costs ~24 ms
 * whatever its size, so a fixed batch measures the syscall, not the server. The fixed cost and
 * the cost per frame come from calls of batch and 16 x batch frames; paced runs send at least
 * rate x fixed / (1 - rate x per frame) frames per call (no more than a tenth of a second of
 * traffic), full-speed runs enough that the fixed cost is 5% of a call.
 */
static uint32_t frames_per_call(int prog, uint8_t *frame, size_t len, int ifindex, long rate,
				uint32_t batch, double *fixed_ns, double *frame_ns)
{
	uint64_t small = UINT64_MAX, big = UINT64_MAX;
	double n;

	for (int i = 0; i < 3; i++) {
		uint64_t a = call_ns(prog, frame, len, ifindex, batch, batch);
		uint64_t b = call_ns(prog, frame, len, ifindex, 16 * batch, batch);

		small = a && a < small ? a : small;
		big = b && b < big ? b : big;
	}
	if (small == UINT64_MAX || big == UINT64_MAX)
		return batch;
	*frame_ns = big > small ? (double)(big - small) / (15.0 * batch) : 0;
	*fixed_ns = small - *frame_ns * batch > 0 ? small - *frame_ns * batch : 0;
	if (!rate) {
		n = *frame_ns > 0 ? *fixed_ns / (0.05 * *frame_ns) : 1e6;
	} else {
		double load = rate * *frame_ns / 1e9;

		n = load < 0.9 ? 1.25 * rate * *fixed_ns / 1e9 / (1 - load) : rate / 10.0;
		if (n > rate / 10.0)
			n = rate / 10.0;
	}
	if (n < batch)
		n = batch;
	if (n > 1000000)
		n = 1000000;
	return (uint32_t)n;
}

static void usage(FILE *f)
{
	fprintf(
	    f,
	    "Usage: xpool-ntpgun -i IFACE --src IP --dst IP --src-mac MAC --dst-mac MAC\n"
	    "                    [--rate PPS] [--duration SEC] [--batch N]\n"
	    "Frames per call are sized from the measured cost of a call (--batch is the\n"
	    "kernel's batch inside a call); the summary gives the requested and achieved rates.\n"
	    "Sends valid NTPv4 client requests (varying source ports and transmit\n"
	    "timestamps) out of IFACE with XDP live frames, and counts the NTP replies that\n"
	    "come back on IFACE with an XDP program (attached for the run). --rate 0 (the\n"
	    "default) sends as fast as it can. Run inside the client's network namespace.\n"
	    "--listen-only counts replies to another generator for --duration seconds.\n");
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
	    {"interface", required_argument, NULL, 'i'}, {"src", required_argument, NULL, 's'},
	    {"dst", required_argument, NULL, 'd'},	 {"src-mac", required_argument, NULL, 'S'},
	    {"dst-mac", required_argument, NULL, 'D'},	 {"rate", required_argument, NULL, 'r'},
	    {"duration", required_argument, NULL, 't'},	 {"batch", required_argument, NULL, 'b'},
	    {"listen-only", no_argument, NULL, 'L'},	 {"help", no_argument, NULL, 'h'},
	    {"version", no_argument, NULL, 'V'},	 {NULL, 0, NULL, 0},
	};
	int listen_only = 0;
	long rate = 0, duration = 5, batch = 64;
	uint8_t smac[6], dmac[6], frame[90];
	uint32_t src = 0, dst = 0;
	const char *ifname = NULL;
	struct xpool_ntpgun_bpf *skel;
	int c, bad = 0, ifindex, ret = 1, have = 0;
	uint64_t start, end, sent_before, replies, sent, kod;
	struct timespec cpu0, cpu1;
	double fixed_ns = 0, frame_ns = 0;
	uint32_t per_call;

	while ((c = getopt_long(argc, argv, "i:h", longopts, NULL)) != -1) {
		switch (c) {
		case 'i':
			ifname = optarg;
			break;
		case 's':
			bad |= inet_pton(AF_INET, optarg, &src) != 1;
			have |= 1;
			break;
		case 'd':
			bad |= inet_pton(AF_INET, optarg, &dst) != 1;
			have |= 2;
			break;
		case 'S':
			bad |= parse_mac(optarg, smac) != 0;
			have |= 4;
			break;
		case 'D':
			bad |= parse_mac(optarg, dmac) != 0;
			have |= 8;
			break;
		case 'r':
			bad |= xp_parse_long(optarg, 0, 100000000, &rate) != 0;
			break;
		case 't':
			bad |= xp_parse_long(optarg, 1, 3600, &duration) != 0;
			break;
		case 'b':
			bad |= xp_parse_long(optarg, 1, 256, &batch) != 0;
			break;
		case 'L':
			listen_only = 1;
			break;
		case 'V':
			printf("%s %s\n", "xpool-ntpgun", xp_version());
			return 0;
		case 'h':
			usage(stdout);
			return 0;
		default:
			bad = 1;
		}
	}
	if (bad || !ifname || (have != 15 && !listen_only) || optind != argc) {
		fprintf(stderr, "xpool-ntpgun: bad or missing arguments\n");
		usage(stderr);
		return EXIT_USAGE;
	}
	ifindex = if_nametoindex(ifname);
	if (!ifindex) {
		fprintf(stderr, "xpool-ntpgun: %s: %s\n", ifname, strerror(errno));
		return EXIT_USAGE;
	}
	skel = xpool_ntpgun_bpf__open_and_load();
	if (!skel) {
		fprintf(stderr, "xpool-ntpgun: cannot load the generator: %s\n", strerror(errno));
		return 1;
	}
	if (bpf_xdp_attach(ifindex, bpf_program__fd(skel->progs.gun_rx), XDP_FLAGS_DRV_MODE,
			   NULL)) {
		fprintf(stderr,
			"xpool-ntpgun: %s: cannot attach the reply counter (native XDP): %s\n",
			ifname, strerror(errno));
		goto out;
	}
	if (listen_only) { /* another generator (trafgen) sends; only count the replies */
		sleep(duration);
		usleep(300000);
		replies = stat_sum(bpf_map__fd(skel->maps.gun_stats), 1);
		printf("replies=%lu seconds=%ld reply_pps=%.0f\n", (unsigned long)replies, duration,
		       replies / (double)duration);
		ret = 0;
		goto detach;
	}
	build(frame, smac, dmac, src, dst);
	per_call = frames_per_call(bpf_program__fd(skel->progs.gun_tx), frame, sizeof(frame),
				   ifindex, rate, batch, &fixed_ns, &frame_ns);
	usleep(300000); /* the calibration's replies, before the counters are zeroed */
	stat_zero(bpf_map__fd(skel->maps.gun_stats));
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &cpu0);
	start = now_ns();
	end = start + duration * 1000000000ULL;
	sent_before = 0;
	for (;;) {
		struct xdp_md ctx = {.data_end = sizeof(frame), .ingress_ifindex = ifindex};
		LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = frame,
			    .data_size_in = sizeof(frame), .ctx_in = &ctx,
			    .ctx_size_in = sizeof(ctx), .repeat = per_call,
			    .flags = BPF_F_TEST_XDP_LIVE_FRAMES, .batch_size = batch);
		uint64_t t = now_ns();

		if (t >= end)
			break;
		if (rate) { /* pace: send what is due now, at most a batch, never ahead */
			uint64_t due = (t - start) * (uint64_t)rate / 1000000000ULL;

			if (sent_before >= due) {
				usleep(20);
				continue;
			}
			opts.repeat = due - sent_before < per_call ? due - sent_before : per_call;
		}
		if (bpf_prog_test_run_opts(bpf_program__fd(skel->progs.gun_tx), &opts)) {
			fprintf(stderr, "xpool-ntpgun: live frames: %s\n", strerror(errno));
			goto detach;
		}
		sent_before += opts.repeat;
	}
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &cpu1);
	usleep(300000); /* the last replies */
	sent = stat_sum(bpf_map__fd(skel->maps.gun_stats), 0);
	replies = stat_sum(bpf_map__fd(skel->maps.gun_stats), 1);
	kod = stat_sum(bpf_map__fd(skel->maps.gun_stats), 2);
	/* on veth the whole path (both XDP programs, the stack) runs in this process's context */
	printf(
	    "sent=%lu replies=%lu kod=%lu seconds=%ld cpu_ns=%lu requested_pps=%ld "
	    "frames_per_call=%u call_fixed_us=%.0f frame_ns=%.0f offered_pps=%.0f reply_pps=%.0f "
	    "loss_pct=%.3f\n",
	    (unsigned long)sent, (unsigned long)replies, (unsigned long)kod, duration,
	    (unsigned long)(xp_ts_ns(&cpu1) - xp_ts_ns(&cpu0)), rate, per_call, fixed_ns / 1e3,
	    frame_ns, sent / (double)duration, replies / (double)duration,
	    sent ? 100.0 * (double)(sent - (replies < sent ? replies : sent)) / sent : 0.0);
	ret = 0;
detach:
	bpf_xdp_detach(ifindex, XDP_FLAGS_DRV_MODE, NULL);
out:
	xpool_ntpgun_bpf__destroy(skel);
	return ret;
}
