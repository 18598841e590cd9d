// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* ntpd_main.c - xpool-ntpd: runs the XDP NTP responder and keeps its clock data fresh. */
#include <errno.h>
#include <limits.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/timerfd.h>
#include <sys/vfs.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <linux/magic.h>

#include "ntpd_addrs.h"
#include "xp_chrony.h"
#include "ntpd_config.h"
#include "xp_http.h"
#include "rsp_pin.h"
#include "rsp_report.h"
#include "ntpd_source.h"
#include "rsp_xdp.h"
#include "xp_log.h"
#include "xp_loop.h"
#include "xp_priv.h"
#include "xp_time.h"

#define REFRESH_MS	 500 /* clock data and chronyd, twice a second */
#define CHRONY_TIMEOUT_MS 200
#define EXIT_USAGE	 2

struct ntpd {
	struct ntpd_config cfg;
	struct rsp_xdp x;
	struct rsp_clock_params clock;
	struct xp_chrony chrony;
	struct ntpd_addrs addrs; /* the interfaces' addresses, followed through netlink */
	int metrics_fd;
	struct xp_loop loop;
	int last_state; /* for logging changes only: -1 unknown, 0 unsync, 1 synced */
	const char *last_why;
};

static void set_state(struct ntpd *d, int synced, const char *why)
{
	if (synced == d->last_state && (synced || why == d->last_why))
		return;
	d->last_state = synced;
	d->last_why = why;
	if (synced)
		xp_info("clock synchronised: stratum %u, leap %u", d->clock.stratum, d->clock.leap);
	else
		xp_warn("clock unsynchronised (%s): %s", why,
			d->cfg.unsync_pass ? "requests go to the kernel" : "replies carry LI=3");
	xp_loop_status("%s, stratum %u", synced ? "synchronised" : "unsynchronised",
		   synced ? d->clock.stratum : 0);
}

/* Asks the time source (chronyd, or the kernel) and updates d->clock. */
static void poll_source(struct ntpd *d)
{
	time_t now = time(NULL);
	const char *why = "chronyd says so";

	if (d->cfg.no_chrony) {
		struct timex tx = { 0 };
		int state = adjtimex(&tx);

		ntpd_params_from_timex(&d->clock, &tx, state, now);
		why = "kernel STA_UNSYNC";
	} else {
		struct xp_tracking t;
		char advice[768];
		bool news;
		int ret = xp_chrony_ask(&d->chrony, d->cfg.chrony_socket, "xpool-ntpd",
					CHRONY_TIMEOUT_MS, &t, &news);

		if (ret) {
			ntpd_params_unsync(&d->clock);
			why = "chronyd unreachable";
			if (news) /* once per new failure, not twice a second */
				xp_warn("%s", xp_chrony_advice(d->cfg.chrony_socket, ret,
							       "serve the kernel's clock state, "
							       "from adjtimex()",
							       advice, sizeof(advice)));
		} else {
			if (news)
				xp_info("chronyd at %s answers", d->cfg.chrony_socket);
			ntpd_params_from_tracking(&d->clock, &t, now);
		}
	}
	set_state(d, d->clock.synced, why);
}

/* The test-only fault: CLOCK_REALTIME as seen through test-time-offset-ms. */
static int offset_gettime(void *ctx, clockid_t id, struct timespec *ts)
{
	long ms = *(long *)ctx;
	int ret = clock_gettime(id, ts) ? -errno : 0;

	if (!ret && id == CLOCK_REALTIME) {
		int64_t ns = (int64_t)ts->tv_sec * 1000000000LL + ts->tv_nsec + ms * 1000000LL;

		ts->tv_sec = ns / 1000000000LL;
		ts->tv_nsec = ns % 1000000000LL;
	}
	return ret;
}

static int refresh(struct ntpd *d)
{
	struct xp_clock_src faulty = { offset_gettime, &d->cfg.test_offset_ms };
	int ret = rsp_clock_refresh(d->x.clock, &d->clock,
				     d->cfg.test_offset_ms ? &faulty : &xp_clock_system);

	if (ret)
		xp_err("cannot read the clock: %s", strerror(-ret));
	/* the watchdog is kept only while the clock data is fresh */
	xp_loop_healthy(&d->loop, !ret);
	return ret;
}

static void render_metrics(void *ctx, FILE *f)
{
	struct ntpd *d = ctx;
	struct xp_metrics m;
	struct rsp_report r;

	xp_metrics_init(&m, f);
	if (!rsp_report_collect(d->x.map_fd[XPOOL_MAP_STATS], d->x.map_fd[XPOOL_MAP_CLOCK], &r))
		rsp_report_prometheus(&r, &m);
}

/* Writes the config map and refills the address and prefix maps. */
static int push_config(struct ntpd *d)
{
	struct xpool_config m;
	int ret;

	ntpd_config_to_map(&d->cfg, &m);
	/* listed addresses: the map becomes the list without a moment of an empty map (a
	 * replaced program shares it); the interfaces' own are kept by ntpd_addrs */
	if (d->cfg.n_addrs)
		ret = ntpd_addrs_sync_map(d->x.map_fd[XPOOL_MAP_ADDRS], d->cfg.addrs, d->cfg.n_addrs);
	else if (d->cfg.addr_any)
		ret = rsp_map_clear(d->x.map_fd[XPOOL_MAP_ADDRS], sizeof(struct xpool_addr));
	else
		ret = 0;
	if (!ret)
		ret = rsp_map_clear(d->x.map_fd[XPOOL_MAP_ACL], sizeof(struct xpool_acl_key));
	for (int i = 0; !ret && i < d->cfg.n_acl; i++) {
		struct xpool_acl_key k = { .prefixlen = d->cfg.acl[i].prefixlen };

		memcpy(k.addr, d->cfg.acl[i].addr, 16);
		ret = bpf_map_update_elem(d->x.map_fd[XPOOL_MAP_ACL], &k, &d->cfg.acl[i].action, BPF_ANY);
	}
	if (ret)
		xp_err("cannot fill the address or ACL maps: %s", strerror(-ret));
	/* the config map last: the filters it switches on are complete by then */
	return ret ? ret : rsp_xdp_set_config(&d->x, &m);
}

/* bpffs must be mounted for pinning; systemd does it, a bare system may not have. */
static int ensure_bpffs(void)
{
	struct statfs st;

	if (!statfs("/sys/fs/bpf", &st) && st.f_type == BPF_FS_MAGIC)
		return 0;
	if (mount("bpf", "/sys/fs/bpf", "bpf", 0, "mode=0700")) {
		xp_err("/sys/fs/bpf is not a bpffs and cannot be mounted: %s", strerror(errno));
		return -errno;
	}
	return 0;
}

/*
 * Pins that will not outlive the daemon are said at start, with the remedy. A private bpffs
 * (ip netns exec) is a warning: the responder serves correctly while the daemon runs, only what
 * comes after its exit (a restart's reuse of the maps, xpoolctl) does not find them. A pin path
 * on no bpffs at all is refused: nothing can be pinned there.
 */
static int check_pin_path(const char *dir)
{
	char advice[768];
	int v = rsp_pin_lasting(dir);

	if (v == -ENOTSUP) {
		xp_err("%s", rsp_pin_advice(dir, v, advice, sizeof(advice)));
		return v;
	}
	if (v == -EXDEV)
		xp_warn("%s", rsp_pin_advice(dir, v, advice, sizeof(advice)));
	else if (v)
		xp_debug("pin-path %s: whether it outlives this process is unknown: %s", dir,
			 strerror(-v));
	return 0;
}

/* Keeps CAP_NET_ADMIN (replace, detach) and, to reach chronyd's socket directory, DAC override. */
static int drop_privileges(const struct ntpd_config *c)
{
	static const cap_value_t keep[] = { CAP_NET_ADMIN, CAP_DAC_OVERRIDE };
	char why[256];
	int ret = xp_priv_drop(keep, c->no_chrony ? 1 : 2, NULL, why, sizeof(why));

	if (ret)
		xp_err("%s", why);
	else if (why[0])
		xp_warn("%s", why);
	return ret;
}

/* A CLOCK_REALTIME timer that fires ECANCELED when the clock is stepped. */
static int arm_step_timer(int fd)
{
	struct itimerspec its = { .it_value = { .tv_sec = LONG_MAX / 2 } };

	return timerfd_settime(fd, TFD_TIMER_ABSTIME | TFD_TIMER_CANCEL_ON_SET, &its, NULL) ? -errno
											  : 0;
}

static void on_step(struct xp_loop *l, struct xp_loop_fd *h, uint32_t events)
{
	uint64_t ticks;

	(void)l;
	(void)events;
	/* ECANCELED: the clock was stepped; re-read now, then re-arm */
	if (read(h->fd, &ticks, sizeof(ticks)) < 0 && errno == ECANCELED)
		xp_info("system clock stepped: refreshing clock data");
	arm_step_timer(h->fd);
	refresh(h->ctx);
}

/* Twice a second: the time source, then the clock data. */
static void on_tick(struct xp_loop *l, void *ctx)
{
	(void)l;
	poll_source(ctx);
	refresh(ctx);
}

static void on_addrs(struct xp_loop *l, struct xp_loop_fd *h, uint32_t events)
{
	struct ntpd *d = h->ctx;

	(void)l;
	(void)events;
	ntpd_addrs_update(&d->addrs);
}

static void on_metrics(struct xp_loop *l, struct xp_loop_fd *h, uint32_t events)
{
	(void)l;
	(void)events;
	xp_http_serve(h->fd, render_metrics, h->ctx);
}

static int run(struct ntpd *d)
{
	struct xp_loop_fd step = { timerfd_create(CLOCK_REALTIME, TFD_CLOEXEC), on_step, d },
			  addrs = { d->addrs.nl_fd, on_addrs, d },
			  metrics = { d->metrics_fd, on_metrics, d };
	int tick = xp_loop_timer(&d->loop, on_tick, d), ret = tick < 0 ? tick : 0;

	if (!ret && (step.fd < 0 || arm_step_timer(step.fd)))
		ret = -errno;
	if (!ret)
		ret = xp_loop_add(&d->loop, &step, EPOLLIN);
	if (!ret && addrs.fd >= 0) /* no netlink: the addresses are listed */
		ret = xp_loop_add(&d->loop, &addrs, EPOLLIN);
	if (!ret && metrics.fd >= 0)
		ret = xp_loop_add(&d->loop, &metrics, EPOLLIN);
	if (ret) {
		xp_err("cannot set up timers and signals: %s", strerror(-ret));
		goto out;
	}
	xp_loop_timer_at(&d->loop, tick, xp_mono_ms() + REFRESH_MS, REFRESH_MS);
	ret = xp_loop_run(&d->loop);
	if (ret)
		xp_err("event loop: %s", strerror(-ret));
out:
	if (step.fd >= 0)
		close(step.fd);
	return ret;
}

static int start(struct ntpd *d)
{
	struct ntpd_config *c = &d->cfg;
	int ret;

	if (c->adopt) {
		ret = rsp_xdp_adopt(&d->x, c->ifaces[0]);
	} else {
		ret = ensure_bpffs();
		if (!ret)
			ret = check_pin_path(c->pin_path);
		if (!ret)
			ret = rsp_xdp_load(&d->x, c->pin_path, c->rl_clients);
	}
	/* by default, answer for the interfaces' own addresses: filled before the filter is on */
	if (!ret && !c->addr_any && !c->n_addrs) {
		int ifindex[RSP_MAX_IFACES], n = c->adopt ? 1 : c->n_if;

		for (int i = 0; i < n; i++)
			ifindex[i] = if_nametoindex(c->ifaces[i]);
		ret = ntpd_addrs_open(&d->addrs, d->x.map_fd[XPOOL_MAP_ADDRS], ifindex, n);
	}
	if (!ret)
		ret = push_config(d);
	/* the chain: set, or cleared (the map is pinned: a removed directive must not linger) */
	if (!ret)
		ret = rsp_xdp_set_next(&d->x, c->xdp_next);
	if (ret)
		return ret;
	/* publish before attaching: the first request already finds fresh clock data */
	poll_source(d);
	ret = refresh(d);
	d->x.libxdp = c->xdp_attach == 1;
	if (!ret && !c->adopt && c->xdp_mode == RSP_XDP_TAIL_CALL)
		ret = rsp_xdp_pin_prog(&d->x, c->pin_path); /* a root program's slot takes it */
	for (int i = 0; !ret && !c->adopt && c->xdp_mode != RSP_XDP_TAIL_CALL && i < c->n_if; i++)
		ret = rsp_xdp_attach(&d->x, c->ifaces[i], c->xdp_mode);
	if (!ret && c->metrics[0]) {
		d->metrics_fd = xp_http_listen(c->metrics);
		ret = d->metrics_fd < 0 ? d->metrics_fd : 0;
	}
	return ret;
}

int main(int argc, char **argv)
{
	static struct ntpd d = { .metrics_fd = -1, .last_state = -1, .chrony = { .fd = -1 },
				 .addrs = { .nl_fd = -1 } };
	int ret;

	if (ntpd_config_load(&d.cfg, argc, argv) || ntpd_config_check_system(&d.cfg))
		return EXIT_USAGE;
	if (d.cfg.check_only) {
		char v[512];

		printf("%s\n", xp_conf_verdict(d.cfg.config_path, d.cfg.config_err, v, sizeof(v)));
		return 0;
	}
	xp_log_init("xpool-ntpd", d.cfg.verbose ? XP_LOG_DEBUG : XP_LOG_INFO);
	d.clock = (struct rsp_clock_params){
		.synced = false,
		.stratum = d.cfg.stratum,
		.refid_be = d.cfg.refid_be,
		.precision = xp_clock_precision(&xp_clock_system),
		.disp_rate = XPOOL_DISP_RATE_PHI,
		.stale_ns = (uint64_t)d.cfg.stale_after * 1000000000ULL,
	};
	ret = xp_loop_init(&d.loop, NULL, NULL);
	if (ret) {
		xp_err("cannot set up the event loop: %s", strerror(-ret));
		return 1;
	}
	if (d.cfg.test_offset_ms)
		xp_warn("TEST MODE: serving time %+ld ms off", d.cfg.test_offset_ms);

	ret = start(&d);
	if (!ret)
		ret = drop_privileges(&d.cfg);
	if (!ret) {
		xp_info("serving NTP on %d interface(s)%s, precision %d, %s", d.x.n_if,
			d.cfg.adopt ? " (adopted)" : "", d.clock.precision,
			d.cfg.no_chrony ? "clock state from adjtimex()" : d.cfg.chrony_socket);
		ret = run(&d);
	}
	/* by default the program stays attached: a restarted daemon takes over without a gap */
	if (d.cfg.detach_on_exit) {
		char pin[512];

		rsp_xdp_detach_all(&d.x);
		snprintf(pin, sizeof(pin), "%s/%s", d.cfg.pin_path, RSP_PROG_PIN);
		if (d.cfg.xdp_mode == RSP_XDP_TAIL_CALL && unlink(pin) && errno != ENOENT)
			xp_warn("%s: %s", pin, strerror(errno));
	}
	xp_chrony_close(&d.chrony);
	ntpd_addrs_close(&d.addrs);
	if (d.metrics_fd >= 0)
		close(d.metrics_fd);
	rsp_xdp_close(&d.x);
	xp_loop_close(&d.loop);
	return ret ? 1 : 0;
}
