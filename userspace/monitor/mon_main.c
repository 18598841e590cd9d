// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* mon_main.c - xpool-monitor: checks every registered server and scores it as the pool does. */
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/timex.h>
#include <time.h>
#include <unistd.h>

#include "mon_ntp.h"
#include "xp_chrony.h"
#include "reg_db.h"
#include "xp_log.h"
#include "xp_parse.h"

#define EXIT_USAGE 2

struct monitor {
	const char *db_path, *name, *chrony_socket, *export_path;
	long interval, samples, timeout_ms;
	double max_rd;
	int once, no_chrony;
	sqlite3 *db;
	struct xp_chrony chrony;
};

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

/* The monitor measures against its own clock: it must be synchronised (chronyd's view). */
static int self_synced(struct monitor *m, char *why, size_t n)
{
	struct xp_tracking t;
	int ret;

	if (m->no_chrony) {
		struct timex tx = { 0 };
		int state = adjtimex(&tx);

		snprintf(why, n, "kernel clock unsynchronised (STA_UNSYNC)");
		return state != TIME_ERROR && !(tx.status & STA_UNSYNC);
	}
	if (m->chrony.fd < 0 && xp_chrony_open(&m->chrony, m->chrony_socket, "xpool-monitor"))
		m->chrony.fd = -1;
	ret = m->chrony.fd >= 0 ? xp_chrony_tracking(&m->chrony, 500, &t) : -ENOTCONN;
	if (ret) {
		snprintf(why, n, "chronyd at %s unreachable: %s", m->chrony_socket, strerror(-ret));
		xp_chrony_close(&m->chrony);
		return 0;
	}
	snprintf(why, n, "chronyd is unsynchronised");
	return xp_chrony_synced(&t, 15);
}

static int check_one(void *ctx, long id, const char *ip)
{
	struct monitor *m = ctx;
	double prev = reg_score_get(m->db, id, m->name), step, score;
	struct mon_check_opts o = { .samples = m->samples, .timeout_ms = m->timeout_ms,
				    .max_root_distance = m->max_rd, .stop = &stop };
	struct mon_check c;

	if (mon_check_server(ip, &o, &c) == -ECANCELED)
		return 1; /* stopping: this server's check is not recorded */
	step = mon_step(&c.chosen);
	score = mon_score(prev, &c.chosen);
	if (reg_record(m->db, id, m->name, score, step,
		       c.chosen.result == MON_OK ? c.chosen.offset : NAN, c.note, time(NULL)))
		xp_err("%s: cannot record the check", ip);
	xp_info("%-24s offset %+9.3f ms  step %+6.3f  score %6.2f -> %6.2f  (%s)", ip,
		isnan(c.chosen.offset) ? 0.0 : c.chosen.offset * 1e3, step, prev, score, c.note);
	return stop;
}

static void usage(FILE *f)
{
	fprintf(f, "Usage: xpool-monitor [--db FILE] [--name NAME] [--interval SEC] [--samples N]\n"
		   "                     [--chrony-socket PATH | --no-chrony] [--max-root-distance SEC]\n"
		   "                     [--export FILE] [--once] [-v]\n"
		   "Checks every server of the registry with N NTP queries (default 3) each interval\n"
		   "(default 60 s), scores it as the pool does, and records the result. It refuses to\n"
		   "score while its own clock is unsynchronised. --export writes the DNS snapshot\n"
		   "after every round.\n");
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "db", required_argument, NULL, 'd' },
		{ "name", required_argument, NULL, 'n' },
		{ "interval", required_argument, NULL, 'i' },
		{ "samples", required_argument, NULL, 's' },
		{ "chrony-socket", required_argument, NULL, 'c' },
		{ "no-chrony", no_argument, NULL, 'N' },
		{ "max-root-distance", required_argument, NULL, 'r' },
		{ "export", required_argument, NULL, 'e' },
		{ "once", no_argument, NULL, 'o' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct monitor m = { .db_path = REG_DB_DEFAULT, .name = "monitor",
			     .chrony_socket = "/run/chrony/chronyd.sock", .interval = 60,
			     .samples = 3, .timeout_ms = 1000, .max_rd = 1.0,
			     .chrony = { .fd = -1 } };
	int c, bad = 0, verbose = 0;
	char *end;

	while ((c = getopt_long(argc, argv, "vh", longopts, NULL)) != -1) {
		switch (c) {
		case 'd':
			m.db_path = optarg;
			break;
		case 'n':
			m.name = optarg;
			bad |= !*optarg || strlen(optarg) > 64;
			break;
		case 'i':
			bad |= xp_parse_long(optarg, 1, 86400, &m.interval) != 0;
			break;
		case 's':
			bad |= xp_parse_long(optarg, 1, 10, &m.samples) != 0;
			break;
		case 'c':
			m.chrony_socket = optarg;
			break;
		case 'N':
			m.no_chrony = 1;
			break;
		case 'r':
			m.max_rd = strtod(optarg, &end);
			bad |= *end || m.max_rd <= 0;
			break;
		case 'e':
			m.export_path = optarg;
			break;
		case 'o':
			m.once = 1;
			break;
		case 'v':
			verbose = 1;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			bad = 1;
		}
	}
	if (bad || optind != argc) {
		fprintf(stderr, "xpool-monitor: invalid arguments\n");
		usage(stderr);
		return EXIT_USAGE;
	}
	xp_log_init("xpool-monitor", verbose ? XP_LOG_DEBUG : XP_LOG_INFO);
	if (reg_open(m.db_path, REG_OPEN_EXISTING, &m.db))
		return 1;
	sigaction(SIGINT, &(struct sigaction){ .sa_handler = on_signal }, NULL);
	sigaction(SIGTERM, &(struct sigaction){ .sa_handler = on_signal }, NULL);
	while (!stop) {
		char why[160];
		time_t round = time(NULL);

		if (!self_synced(&m, why, sizeof(why))) {
			xp_warn("not scoring: %s", why);
		} else {
			if (reg_each_server(m.db, check_one, &m) < 0)
				xp_err("the round ended early: the registry could not be read");
			if (m.export_path) {
				char err[256];

				if (reg_export(m.db, m.export_path, time(NULL), err, sizeof(err)))
					xp_err("%s", err);
			}
		}
		if (m.once)
			break;
		while (!stop && time(NULL) < round + m.interval)
			usleep(100000);
	}
	xp_chrony_close(&m.chrony);
	reg_close(m.db);
	return 0;
}
