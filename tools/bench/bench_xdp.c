// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* bench_xdp.c - ns per packet of the XDP responder vs a bare reflector, under bpf_prog_test_run_opts. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <linux/bpf.h>

#include "rsp_clock.h"
#include "rsp_xdp.h"
#include "xp_version.h"
#include "xt_pkt.h"
#include "xpool_bench.skel.h"
#include "xpool_ntp.skel.h"
#include "xpool_pass.skel.h"
#include "xpool_reflect.skel.h"

#define WARM_REPEAT 100000 /* runs per syscall, request restored in-program */
#define COLD_RUNS   100000 /* one syscall per packet */
#define ROUNDS	    5 /* default: each figure is the median of ROUNDS, with its min-max */
#define MAX_ROUNDS  101

enum { P_NTP, P_REFL, P_FLOOR, P_BASE, NPROG };

struct row {
	double ns[MAX_ROUNDS];
	double med, min, max; /* over the rounds */
	uint32_t action;
	int reply_valid;
};

/* A ratio between two rows: of their medians, and its spread over the rounds. */
struct ratio {
	double med, min, max;
};

static int run_once(int fd, const uint8_t *frame, size_t len, uint32_t repeat, double *ns,
		    uint32_t *action, int *valid)
{
	uint8_t out[XT_MAX_FRAME];
	LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = frame, .data_size_in = len, .data_out = out,
		    .data_size_out = sizeof(out), .repeat = repeat);
	int ret = bpf_prog_test_run_opts(fd, &opts);

	if (ret)
		return ret;
	*ns = opts.duration;
	*action = opts.retval;
	*valid = opts.retval == XDP_TX && opts.data_size_out == len && xt_csums_valid(out, len);
	return 0;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* The median of v[0..n) (the mean of the middle two when n is even); sorts a copy. */
static double median(const double *v, int n, double *min, double *max)
{
	double s[MAX_ROUNDS];

	memcpy(s, v, n * sizeof(*v));
	qsort(s, n, sizeof(s[0]), cmp_double);
	*min = s[0];
	*max = s[n - 1];
	return n % 2 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
}

/* a/b from the medians; the spread is of the same ratio taken round by round. */
static struct ratio ratio_of(const struct row *a, const struct row *b, int rounds)
{
	double per[MAX_ROUNDS];
	struct ratio r;

	for (int i = 0; i < rounds; i++)
		per[i] = a->ns[i] / b->ns[i];
	median(per, rounds, &r.min, &r.max);
	r.med = a->med / b->med;
	return r;
}

/*
 * warm: bench_* wrappers copy the request back into the packet before each run of the real
 *       code, so one syscall runs WARM_REPEAT packets; the restore-only program is the baseline.
 * cold: one syscall per packet (the kernel copies the request in afresh); the median over
 *       COLD_RUNS; the empty program is the baseline. Caches are cold, the harness dominates.
 */
static int measure(const int fds[NPROG], const uint8_t *frame, size_t len, int warm, int rounds,
		   struct row rows[NPROG])
{
	static double samples[COLD_RUNS];
	int ret = 0;

	for (int r = 0; r < rounds; r++) {
		for (int k = 0; k < NPROG; k++) {
			if (warm) {
				ret = run_once(fds[k], frame, len, WARM_REPEAT, &rows[k].ns[r],
					       &rows[k].action, &rows[k].reply_valid);
				if (ret)
					goto out;
				continue;
			}
			for (int i = 0; i < COLD_RUNS; i++) {
				ret = run_once(fds[k], frame, len, 1, &samples[i], &rows[k].action,
					       &rows[k].reply_valid);
				if (ret)
					goto out;
			}
			qsort(samples, COLD_RUNS, sizeof(samples[0]), cmp_double);
			rows[k].ns[r] = samples[COLD_RUNS / 2];
		}
	}
	for (int k = 0; k < NPROG; k++)
		rows[k].med = median(rows[k].ns, rounds, &rows[k].min, &rows[k].max);
out:
	if (ret)
		fprintf(stderr, "bench-xdp: test_run: %s\n", strerror(-ret));
	return ret;
}

static const char *verdict(uint32_t a)
{
	return a == XDP_TX ? "XDP_TX" : a == XDP_PASS ? "XDP_PASS" : a == XDP_DROP ? "XDP_DROP" : "?";
}

static void print_table(const char *title, const char *base, struct row rows[NPROG], int rounds)
{
	static const char *names[NPROG] = { "xpool_ntp", "reflector", "minimal NTP reply" };
	struct ratio refl = ratio_of(&rows[P_NTP], &rows[P_REFL], rounds);
	struct ratio floor = ratio_of(&rows[P_NTP], &rows[P_FLOOR], rounds);

	printf("\n%s\n%-22s %10s %17s %10s\n", title, "program", "ns/packet", "spread (min-max)",
	       "verdict");
	for (int k = 0; k < NPROG; k++)
		printf("%-22s %10.1f %8.1f-%-8.1f %10s\n", k == P_BASE ? base : names[k],
		       rows[k].med, rows[k].min, rows[k].max, verdict(rows[k].action));
	printf("ratio xpool/reflector: %.2f (rounds %.2f-%.2f; net of %s: xpool %.1f ns, "
	       "reflector %.1f ns)\n",
	       refl.med, refl.min, refl.max, base, rows[P_NTP].med - rows[P_BASE].med,
	       rows[P_REFL].med - rows[P_BASE].med);
	printf("ratio xpool/minimal NTP reply: %.2f (rounds %.2f-%.2f; target <= 1.3; net of %s: "
	       "%.2f)\n",
	       floor.med, floor.min, floor.max, base,
	       (rows[P_NTP].med - rows[P_BASE].med) / (rows[P_FLOOR].med - rows[P_BASE].med));
}

/* The JSON of one table: medians, spreads and the ratios of the medians. */
static void json_table(FILE *f, const char *base_key, struct row rows[NPROG], int rounds)
{
	static const char *keys[NPROG] = { "xpool", "reflector", "floor", NULL };
	struct ratio refl = ratio_of(&rows[P_NTP], &rows[P_REFL], rounds);
	struct ratio floor = ratio_of(&rows[P_NTP], &rows[P_FLOOR], rounds);

	fprintf(f, "{");
	for (int k = 0; k < NPROG; k++)
		fprintf(f, "\"%s_ns\": %.2f, \"%s_min_ns\": %.2f, \"%s_max_ns\": %.2f, ",
			k == P_BASE ? base_key : keys[k], rows[k].med,
			k == P_BASE ? base_key : keys[k], rows[k].min,
			k == P_BASE ? base_key : keys[k], rows[k].max);
	fprintf(f,
		"\"ratio\": %.3f, \"ratio_min\": %.3f, \"ratio_max\": %.3f, "
		"\"ratio_floor\": %.3f, \"ratio_floor_min\": %.3f, \"ratio_floor_max\": %.3f}",
		refl.med, refl.min, refl.max, floor.med, floor.min, floor.max);
}

/* --rounds N: 1 to MAX_ROUNDS; 0 or -EINVAL. */
static int parse_rounds(const char *s, int *rounds)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || end == s || *end || v < 1 || v > MAX_ROUNDS)
		return -EINVAL;
	*rounds = (int)v;
	return 0;
}

/* Publishes a synchronised clock into a loaded object's clock and config maps. */
static int feed(int clock_fd, int config_fd)
{
	struct rsp_clock_params p = { .synced = true, .stratum = 2, .precision = -25,
				       .disp_rate = XPOOL_DISP_RATE_PHI,
				       .stale_ns = XPOOL_STALE_MAX_NS };
	struct xpool_config cfg = { .control_mode = XPOOL_CONTROL_DROP, .min_poll = INT8_MIN };
	struct xpool_clock *ck;
	__u32 zero = 0;
	size_t len;
	int ret = rsp_clock_mmap(clock_fd, &ck, &len);

	if (ret)
		return ret;
	ret = rsp_clock_refresh(ck, &p, &xp_clock_system);
	munmap(ck, len);
	if (!ret)
		ret = bpf_map_update_elem(config_fd, &zero, &cfg, 0);
	return ret;
}

static int usage(FILE *f, int ret)
{
	fprintf(f, "Usage: bench-xdp [--rounds N] [OUTDIR] (default %d rounds, build/bench) | "
		   "--version\n",
		ROUNDS);
	return ret;
}

int main(int argc, char **argv)
{
	const char *outdir = "build/bench";
	int rounds = ROUNDS;
	struct xpool_reflect_bpf *refl = NULL;
	struct xpool_bench_bpf *bench = NULL;
	struct xpool_pass_bpf *pass = NULL;
	struct row warm[NPROG] = { 0 }, cold[NPROG] = { 0 };
	uint64_t stats[XPOOL_STAT__MAX];
	uint8_t frame[XT_MAX_FRAME];
	size_t len = xt_build(&(struct xt_spec){ 0 }, frame);
	struct rsp_xdp x = { 0 };
	struct bpf_map *map;
	struct utsname u;
	char path[512];
	FILE *json;
	int ret = 1, fds[NPROG];

	/* an option is never taken for OUTDIR: --version as every binary, the rest refused */
	if (argc > 1 && !strcmp(argv[1], "--version")) {
		printf("bench-xdp %s\n", xp_version());
		return 0;
	}
	if (argc > 1 && !strcmp(argv[1], "--help"))
		return usage(stdout, 0);
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--rounds")) {
			if (i + 1 >= argc || parse_rounds(argv[i + 1], &rounds)) {
				fprintf(stderr, "bench-xdp: --rounds takes a number from 1 to %d\n",
					MAX_ROUNDS);
				return 2;
			}
			i++;
		} else if (argv[i][0] == '-' || i + 1 < argc) {
			return usage(stderr, 2);
		} else {
			outdir = argv[i];
		}
	}
	if (rsp_xdp_load(&x, NULL, 0))
		goto out;
	refl = xpool_reflect_bpf__open_and_load();
	pass = xpool_pass_bpf__open_and_load();
	bench = xpool_bench_bpf__open();
	if (!refl || !pass || !bench || len > sizeof(bench->bss->bench_frame)) {
		fprintf(stderr, "bench-xdp: cannot open the reference programs\n");
		goto out;
	}
	memcpy((void *)bench->bss->bench_frame, frame, len);
	bpf_object__for_each_map(map, bench->obj)
		bpf_map__set_pin_path(map, NULL);
	if (xpool_bench_bpf__load(bench) ||
	    feed(bpf_map__fd(bench->maps.xpool_clock), bpf_map__fd(bench->maps.xpool_config)) ||
	    feed(x.map_fd[XPOOL_MAP_CLOCK], x.map_fd[XPOOL_MAP_CONFIG])) {
		fprintf(stderr, "bench-xdp: cannot load or feed the bench programs\n");
		goto out;
	}

	fds[P_NTP] = bpf_program__fd(bench->progs.bench_ntp);
	fds[P_REFL] = bpf_program__fd(bench->progs.bench_reflect);
	fds[P_FLOOR] = bpf_program__fd(bench->progs.bench_minreply);
	fds[P_BASE] = bpf_program__fd(bench->progs.bench_restore_only);
	if (measure(fds, frame, len, 1, rounds, warm) ||
	    rsp_stats_read(bpf_map__fd(bench->maps.xpool_stats), stats))
		goto out;
	/* the warm output is the restored request: the counters prove every run replied */
	warm[P_NTP].reply_valid = stats[XPOOL_STAT_REPLY] == (uint64_t)WARM_REPEAT * rounds;
	fds[P_NTP] = rsp_xdp_prog_fd(&x);
	fds[P_REFL] = bpf_program__fd(refl->progs.xpool_reflect);
	fds[P_FLOOR] = bpf_program__fd(bench->progs.minreply);
	fds[P_BASE] = bpf_program__fd(pass->progs.xpool_pass);
	if (measure(fds, frame, len, 0, rounds, cold))
		goto out;
	if (!warm[P_NTP].reply_valid || !cold[P_NTP].reply_valid || warm[P_REFL].action != XDP_TX ||
	    !cold[P_FLOOR].reply_valid) {
		fprintf(stderr, "bench-xdp: the responder did not produce a valid reply (%s %d, %s %d)\n", verdict(warm[P_NTP].action), warm[P_NTP].reply_valid, verdict(cold[P_NTP].action), cold[P_NTP].reply_valid);
		goto out;
	}

	uname(&u);
	printf("bench-xdp: %s %s, %ld CPUs online; IPv4 NTPv4 request, %zu bytes; median of %d "
	       "rounds (spread: their min-max), ratios from the medians\n",
	       u.sysname, u.release, sysconf(_SC_NPROCESSORS_ONLN), len, rounds);
	print_table("warm: request restored in-program, 100000 runs per test_run",
		    "restore only", warm, rounds);
	print_table("cold: one test_run per packet, median of 100000 (harness-dominated)",
		    "empty XDP_PASS", cold, rounds);

	mkdir("build", 0755);
	mkdir(outdir, 0755);
	snprintf(path, sizeof(path), "%s/xdp.json", outdir);
	json = fopen(path, "w");
	if (json) {
		fprintf(json, "{\"kernel\": \"%s\", \"frame_bytes\": %zu, \"rounds\": %d,\n \"warm\": ",
			u.release, len, rounds);
		json_table(json, "restore", warm, rounds);
		fprintf(json, ",\n \"cold\": ");
		json_table(json, "empty", cold, rounds);
		fprintf(json, "}\n");
		fclose(json);
		printf("\nresults: %s\n", path);
	}
	ret = 0;
out:
	xpool_bench_bpf__destroy(bench);
	xpool_reflect_bpf__destroy(refl);
	xpool_pass_bpf__destroy(pass);
	rsp_xdp_close(&x);
	return ret;
}
