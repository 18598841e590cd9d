// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* ntpd_main.c - xpool-ntpd: attaches the XDP NTP responder and keeps its clock fresh. */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/capability.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/timerfd.h>
#include <unistd.h>

#include "ntpd_clock.h"
#include "ntpd_xdp.h"
#include "xp_log.h"
#include "xp_parse.h"

#define REFRESH_NS     500000000L /* re-read the clock twice a second */
#define EXIT_USAGE     2

struct ntpd_opts {
	const char *ifaces[NTPD_MAX_IFACES];
	int n_if;
	enum ntpd_xdp_mode mode;
	struct ntpd_clock_params clock;
	int verbose;
};

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: xpool-ntpd -i IFACE [-i IFACE ...] [options]\n"
		"Answers NTP client requests in XDP on IFACE and keeps its clock data fresh.\n\n"
		"  -i, --interface IFACE    interface to serve (repeatable, at most %d)\n"
		"      --xdp-mode MODE      native, generic or auto (default auto: native, else generic)\n"
		"      --stratum N          stratum to announce, 1-15 (default 2)\n"
		"      --refid ID           reference ID: IPv4 address or 1-4 characters (default XPOL)\n"
		"      --stale-after SEC    XDP steps aside when the clock data is older, 1-3600 (default 10)\n"
		"  -v, --verbose            log debug messages\n"
		"  -h, --help               show this help\n",
		NTPD_MAX_IFACES);
}

static int usage_error(const char *fmt, const char *arg)
{
	fprintf(stderr, "xpool-ntpd: ");
	fprintf(stderr, fmt, arg);
	fprintf(stderr, "\nTry 'xpool-ntpd --help'.\n");
	return -EINVAL;
}

static int parse_args(int argc, char **argv, struct ntpd_opts *o)
{
	enum { OPT_MODE = 256, OPT_STRATUM, OPT_REFID, OPT_STALE };
	static const struct option longopts[] = {
		{ "interface", required_argument, NULL, 'i' },
		{ "xdp-mode", required_argument, NULL, OPT_MODE },
		{ "stratum", required_argument, NULL, OPT_STRATUM },
		{ "refid", required_argument, NULL, OPT_REFID },
		{ "stale-after", required_argument, NULL, OPT_STALE },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	long v;
	int c;

	while ((c = getopt_long(argc, argv, "i:vh", longopts, NULL)) != -1) {
		switch (c) {
		case 'i':
			if (o->n_if >= NTPD_MAX_IFACES)
				return usage_error("too many interfaces (at most 16): %s", optarg);
			if (strlen(optarg) >= 16)
				return usage_error("interface name too long: %s", optarg);
			o->ifaces[o->n_if++] = optarg;
			break;
		case OPT_MODE:
			if (ntpd_xdp_mode_parse(optarg, &o->mode))
				return usage_error("--xdp-mode: expected native, generic or auto, got '%s'",
						   optarg);
			break;
		case OPT_STRATUM:
			if (xp_parse_long(optarg, 1, 15, &v))
				return usage_error("--stratum: expected 1-15, got '%s'", optarg);
			o->clock.stratum = v;
			break;
		case OPT_REFID:
			if (xp_parse_refid(optarg, &o->clock.refid_be))
				return usage_error("--refid: expected an IPv4 address or 1-4 printable "
						   "characters, got '%s'", optarg);
			break;
		case OPT_STALE:
			if (xp_parse_long(optarg, 1, XPOOL_STALE_MAX_NS / 1000000000ULL, &v))
				return usage_error("--stale-after: expected 1-3600 seconds, got '%s'",
						   optarg);
			o->clock.stale_ns = v * 1000000000ULL;
			break;
		case 'v':
			o->verbose = 1;
			break;
		case 'h':
			usage(stdout);
			exit(0);
		default:
			return usage_error("%s", "invalid option");
		}
	}
	if (optind < argc)
		return usage_error("unexpected argument: %s", argv[optind]);
	if (!o->n_if)
		return usage_error("%s", "no interface given (-i IFACE)");
	return 0;
}

/* Keeps only CAP_NET_ADMIN (to detach at exit); the maps stay writable through mmap. */
static int drop_privileges(void)
{
	cap_value_t keep[] = { CAP_NET_ADMIN };
	cap_t caps = cap_init();
	int ret = 0;

	if (!caps)
		return -errno;
	if (cap_set_flag(caps, CAP_PERMITTED, 1, keep, CAP_SET) ||
	    cap_set_flag(caps, CAP_EFFECTIVE, 1, keep, CAP_SET) || cap_set_proc(caps)) {
		ret = -errno;
		xp_err("cannot drop capabilities: %s", strerror(-ret));
		goto out;
	}
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0))
		xp_warn("cannot set no_new_privs: %s", strerror(errno));
out:
	cap_free(caps);
	return ret;
}

/* A CLOCK_REALTIME timer that fires ECANCELED when the clock is stepped. */
static int arm_step_timer(int fd)
{
	struct itimerspec its = { .it_value = { .tv_sec = LONG_MAX / 2 } };

	return timerfd_settime(fd, TFD_TIMER_ABSTIME | TFD_TIMER_CANCEL_ON_SET, &its, NULL) ? -errno
											  : 0;
}

static int refresh(struct ntpd_xdp *x, const struct ntpd_opts *o)
{
	int ret = ntpd_clock_refresh(x->clock, &o->clock, &xp_clock_system);

	if (ret)
		xp_err("cannot read the clock: %s", strerror(-ret));
	return ret;
}

static int run(struct ntpd_xdp *x, const struct ntpd_opts *o)
{
	struct itimerspec period = { .it_interval = { 0, REFRESH_NS }, .it_value = { 0, REFRESH_NS } };
	int sfd = -1, tfd = -1, stepfd = -1, ret = 0;
	sigset_t mask;

	sigemptyset(&mask);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGTERM);
	sigprocmask(SIG_BLOCK, &mask, NULL);
	sfd = signalfd(-1, &mask, SFD_CLOEXEC);
	tfd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC);
	stepfd = timerfd_create(CLOCK_REALTIME, TFD_CLOEXEC);
	if (sfd < 0 || tfd < 0 || stepfd < 0 || timerfd_settime(tfd, 0, &period, NULL) ||
	    arm_step_timer(stepfd)) {
		ret = -errno;
		xp_err("cannot set up timers and signals: %s", strerror(-ret));
		goto out;
	}
	for (;;) {
		struct pollfd pfd[3] = { { sfd, POLLIN, 0 }, { tfd, POLLIN, 0 }, { stepfd, POLLIN, 0 } };
		uint64_t ticks;

		if (poll(pfd, 3, -1) < 0) {
			if (errno == EINTR)
				continue;
			ret = -errno;
			xp_err("poll: %s", strerror(-ret));
			goto out;
		}
		if (pfd[0].revents) {
			struct signalfd_siginfo si;

			if (read(sfd, &si, sizeof(si)) == sizeof(si))
				xp_info("signal %u: shutting down", si.ssi_signo);
			goto out;
		}
		if (pfd[2].revents) {
			/* ECANCELED: the clock was stepped; re-read now, then re-arm */
			if (read(stepfd, &ticks, sizeof(ticks)) < 0 && errno == ECANCELED)
				xp_info("system clock stepped: refreshing clock data");
			arm_step_timer(stepfd);
			refresh(x, o);
		}
		if (pfd[1].revents) {
			if (read(tfd, &ticks, sizeof(ticks)) < 0)
				continue;
			refresh(x, o);
		}
	}
out:
	if (sfd >= 0)
		close(sfd);
	if (tfd >= 0)
		close(tfd);
	if (stepfd >= 0)
		close(stepfd);
	return ret;
}

int main(int argc, char **argv)
{
	struct ntpd_opts o = {
		.mode = NTPD_XDP_AUTO,
		.clock = {
			.synced = true,
			.stratum = 2,
			.refid_be = 0,
			.disp_rate = XPOOL_DISP_RATE_PHI,
			.stale_ns = XPOOL_STALE_DEFAULT_NS,
		},
	};
	struct xpool_config cfg = { .control_mode = XPOOL_CONTROL_DROP, .min_poll = INT8_MIN };
	struct ntpd_xdp x;
	int ret;

	xp_parse_refid("XPOL", &o.clock.refid_be);
	if (parse_args(argc, argv, &o))
		return EXIT_USAGE;
	xp_log_init("xpool-ntpd", o.verbose ? XP_LOG_DEBUG : XP_LOG_INFO);
	o.clock.precision = xp_clock_precision(&xp_clock_system);

	ret = ntpd_xdp_load(&x);
	if (ret)
		return 1;
	ret = ntpd_xdp_set_config(&x, &cfg);
	/* publish before attaching: the first request already finds fresh clock data */
	if (!ret)
		ret = refresh(&x, &o);
	for (int i = 0; !ret && i < o.n_if; i++)
		ret = ntpd_xdp_attach(&x, o.ifaces[i], o.mode);
	if (!ret)
		ret = drop_privileges();
	if (!ret) {
		xp_info("serving NTP on %d interface(s), stratum %u, precision %d", o.n_if,
			o.clock.stratum, o.clock.precision);
		ret = run(&x, &o);
	}
	ntpd_xdp_detach_all(&x);
	ntpd_xdp_close(&x);
	return ret ? 1 : 0;
}
