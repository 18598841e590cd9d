// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* dns_main.c - xpool-dns: the pool's authoritative DNS, serving a snapshot by client location. */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <urcu.h>
#include <sodium.h>

#include "dns_fetch.h"
#include "dns_server.h"
#include "xp_http.h"
#include "xp_log.h"
#include "xp_loop.h"
#include "xp_priv.h"
#include "xp_time.h"

#define EXIT_USAGE 2

struct dns_daemon {
	struct dns_config cfg;
	struct dns_server srv;
	struct dns_snapshot snap; /* the one in service, for redraws */
	struct stat snap_st;	  /* to notice a changed file */
	uint32_t serial;
	time_t last_redraw;
	struct dns_fetch *fetch; /* snapshot-url: the poller; NULL for a file */
};

static uint64_t random_seed(void)
{
	uint64_t seed;

	if (getrandom(&seed, sizeof(seed), 0) != sizeof(seed))
		seed = (uint64_t)time(NULL) * 6364136223846793005ULL;
	return seed;
}

/* Builds the prepared data from the snapshot in service, with a fresh shuffle. */
static struct dns_data *build(struct dns_daemon *d)
{
	struct dns_data *data = dns_data_build(&d->snap, d->cfg.min_score, random_seed(),
					       ++d->serial);

	if (!data)
		xp_err("out of memory building the zones");
	d->last_redraw = time(NULL);
	return data;
}

static unsigned snap_flags(const struct dns_daemon *d)
{
	return d->cfg.test_addresses ? DNS_SNAP_TEST_ADDRESSES : 0;
}

static size_t snap_max(const struct dns_daemon *d)
{
	return (size_t)d->cfg.snapshot_max_mb << 20;
}

/*
 * Puts a validated snapshot in service, unless it would leave fewer than min-servers in DNS
 * while more are served (an empty or truncated export must not empty the pool's zone).
 * Takes snap either way.
 */
static int apply(struct dns_daemon *d, struct dns_snapshot *snap, const char *why,
		 const char *source, const struct timespec *t0)
{
	size_t now_listed = dns_snapshot_listed(&d->snap, d->cfg.min_score);
	size_t new_listed = dns_snapshot_listed(snap, d->cfg.min_score);
	struct dns_data *data;
	struct timespec t1;

	if (!d->cfg.allow_small_snapshot && now_listed >= (size_t)d->cfg.min_servers &&
	    new_listed < (size_t)d->cfg.min_servers) {
		d->srv.reloads_refused_small++;
		xp_err("%s: snapshot %s refused: it lists %zu server(s) in DNS, fewer than min-servers "
		       "%d (%zu in service stay; allow-small-snapshot takes it)",
		       why, source, new_listed, d->cfg.min_servers, now_listed);
		dns_snapshot_free(snap);
		xp_loop_status("snapshot refused: %zu in DNS < min-servers", new_listed);
		return -EINVAL;
	}
	dns_snapshot_free(&d->snap);
	d->snap = *snap;
	memset(snap, 0, sizeof(*snap));
	data = build(d);
	if (!data)
		return -ENOMEM;
	dns_server_publish(&d->srv, data); /* returns once no worker can read the old data */
	d->srv.reloads_ok++;
	if (d->fetch)
		atomic_store(&d->fetch->served_generated, (int64_t)d->snap.generated);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	xp_info("%s: snapshot %s loaded: %zu servers, %u in DNS, serial %u, in %ld ms", why,
		source, d->snap.n, data->listed, data->serial,
		(long)((t1.tv_sec - t0->tv_sec) * 1000 + (t1.tv_nsec - t0->tv_nsec) / 1000000));
	xp_loop_status("serving serial %u: %zu servers, %u in DNS", data->serial, d->snap.n,
		   data->listed);
	return 0;
}

/* Loads the snapshot file: a bad one is rejected and the old data stays in service. */
static int reload(struct dns_daemon *d, const char *why)
{
	struct dns_snapshot snap;
	struct timespec t0;
	struct stat st;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	if (stat(d->cfg.snapshot, &st) ||
	    dns_snapshot_load(d->cfg.snapshot, snap_flags(d), snap_max(d), &snap)) {
		d->srv.reloads_failed++;
		xp_err("%s: snapshot %s rejected; the previous data stays in service", why,
		       d->cfg.snapshot);
		xp_loop_status("snapshot rejected (%s); serial %u stays in service", why,
			   d->serial);
		d->snap_st = st; /* do not retry the same broken file every second */
		return -EINVAL;
	}
	d->snap_st = st;
	return apply(d, &snap, why, d->cfg.snapshot, &t0);
}

/* A fetched snapshot the poller verified: in service unless too small. */
static void take_fetched(struct dns_daemon *d)
{
	struct dns_snapshot snap;
	struct timespec t0;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	if (dns_fetch_take(d->fetch, &snap) == 0)
		apply(d, &snap, "fetched", d->fetch->url_log, &t0);
}

static int file_changed(struct dns_daemon *d)
{
	struct stat st;

	if (stat(d->cfg.snapshot, &st))
		return 0;
	return st.st_mtim.tv_sec != d->snap_st.st_mtim.tv_sec ||
	       st.st_mtim.tv_nsec != d->snap_st.st_mtim.tv_nsec || st.st_ino != d->snap_st.st_ino ||
	       st.st_size != d->snap_st.st_size;
}

static void render(void *ctx, FILE *f)
{
	struct dns_daemon *d = ctx;
	struct xp_metrics m;

	xp_metrics_init(&m, f);
	dns_server_metrics(&d->srv, &m);
	if (!d->fetch)
		return;
	xp_metrics_family(&m, "xpool_dns_snapshot_fetch_total", "counter",
			  "Snapshot fetches by result.");
	for (int r = 0; r < DNS_FETCH__MAX; r++)
		xp_metrics_u64_l(&m, "result", dns_fetch_label(r), atomic_load(&d->fetch->count[r]));
}

/* Sockets are bound: nothing else needs privilege. */
static int drop_privileges(void)
{
	char why[256];
	int ret = xp_priv_drop(NULL, 0, NULL, why, sizeof(why));

	if (ret)
		xp_err("%s", why);
	else if (why[0])
		xp_warn("%s", why);
	return ret;
}

static void on_metrics(struct xp_loop *l, struct xp_loop_fd *h, uint32_t events)
{
	(void)l;
	(void)events;
	xp_http_serve(h->fd, render, h->ctx);
}

static void on_fetched(struct xp_loop *l, struct xp_loop_fd *h, uint32_t events)
{
	(void)l;
	(void)events;
	take_fetched(h->ctx);
}

static void on_addrs(struct xp_loop *l, struct xp_loop_fd *h, uint32_t events)
{
	struct dns_daemon *d = h->ctx;

	(void)l;
	(void)events;
	dns_xdp_addrs_changed(d->srv.xdp); /* the AF_XDP path's own addresses */
}

static void on_hup(void *ctx)
{
	struct dns_daemon *d = ctx;

	if (!d->fetch)
		reload(d, "SIGHUP");
}

/* Every second: a changed file is reloaded, or the numbered zones reshuffled when due. */
static void on_tick(struct xp_loop *l, void *ctx)
{
	struct dns_daemon *d = ctx;

	(void)l;
	if (!d->fetch && file_changed(d))
		reload(d, "file changed");
	else if (time(NULL) - d->last_redraw >= (time_t)d->cfg.redraw) {
		struct dns_data *data = build(d);

		if (data)
			dns_server_publish(&d->srv, data); /* the numbered zones' reshuffle */
	}
}

static int run(struct dns_daemon *d, struct xp_loop *l, int metrics_fd)
{
	struct xp_loop_fd metrics = { metrics_fd, on_metrics, d },
			  fetched = { d->fetch ? d->fetch->event_fd : -1, on_fetched, d },
			  addrs = { dns_xdp_watch_fd(d->srv.xdp), on_addrs, d };
	int tick = xp_loop_timer(l, on_tick, d), ret = tick < 0 ? tick : 0;

	if (!ret && metrics.fd >= 0)
		ret = xp_loop_add(l, &metrics, EPOLLIN);
	if (!ret && fetched.fd >= 0)
		ret = xp_loop_add(l, &fetched, EPOLLIN);
	if (!ret && addrs.fd >= 0)
		ret = xp_loop_add(l, &addrs, EPOLLIN);
	if (ret) {
		xp_err("cannot set up the event loop: %s", strerror(-ret));
		return ret;
	}
	xp_loop_timer_at(l, tick, xp_mono_ms() + 1000, 1000);
	ret = xp_loop_run(l);
	if (ret)
		xp_err("event loop: %s", strerror(-ret));
	return ret;
}

/*
 * The first snapshot of snapshot-url: the cache, verified (or the reason it is not used
 * logged), then the URL, which must be newer than the cache (no rollback across a restart).
 * The newer of the two is served; neither: 1, not serving.
 */
static int start_fetched(struct dns_daemon *d)
{
	struct dns_snapshot cached;
	bool have_cache = !dns_fetch_load_cache(d->fetch, &cached);

	if (have_cache)
		atomic_store(&d->fetch->served_generated, (int64_t)cached.generated);
	if (dns_fetch_poll(d->fetch, &d->snap) == DNS_FETCH_OK) {
		if (have_cache)
			dns_snapshot_free(&cached);
	} else if (have_cache) {
		xp_info("%s: starting from the cache", d->cfg.snapshot_cache);
		d->snap = cached;
	} else {
		xp_err("%s: no snapshot from the URL (the reason above) nor from a cache (%s): not "
		       "serving; the cache keeps the last verified fetch for starts while the URL "
		       "is down",
		       d->fetch->url_log,
		       d->cfg.snapshot_cache[0] ? d->cfg.snapshot_cache : "no snapshot-cache set");
		return 1;
	}
	atomic_store(&d->fetch->served_generated, (int64_t)d->snap.generated);
	return 0;
}

/* "N servers, M in DNS, generated T" of a snapshot. */
static void snap_summary(const struct dns_daemon *d, const struct dns_snapshot *s, char *out,
			 size_t n)
{
	char t[64] = "";
	struct tm tm;

	if (s->generated && gmtime_r(&s->generated, &tm))
		strftime(t, sizeof(t), ", generated %Y-%m-%dT%H:%M:%SZ", &tm);
	snprintf(out, n, "%zu server%s, %zu in DNS%s", s->n, s->n == 1 ? "" : "s",
		 dns_snapshot_listed(s, d->cfg.min_score), t);
}

/*
 * What --check-config checked, for its OK line: the snapshot (a file read; a URL is not
 * fetched, but the cache the daemon would start from is verified), and the GeoIP database.
 */
static void check_summary(struct dns_daemon *d, char *out, size_t n)
{
	char snap[160], src[1200];
	struct dns_snapshot cached;
	int ret;

	if (!d->fetch) {
		snap_summary(d, &d->snap, snap, sizeof(snap));
		snprintf(src, sizeof(src), "snapshot %s: %s", d->cfg.snapshot, snap);
	} else if (!d->cfg.snapshot_cache[0]) {
		snprintf(src, sizeof(src),
			 "snapshot-url %s not fetched by the check; no snapshot-cache: a start needs "
			 "the URL",
			 d->fetch->url_log);
	} else if ((ret = dns_fetch_load_cache(d->fetch, &cached))) {
		snprintf(src, sizeof(src),
			 "snapshot-url %s not fetched by the check; snapshot-cache %s: %s, a start "
			 "needs the URL",
			 d->fetch->url_log, d->cfg.snapshot_cache,
			 ret == -ENOENT ? "none yet (written at the first verified fetch)"
					: "not used (the reason above)");
	} else {
		snap_summary(d, &cached, snap, sizeof(snap));
		snprintf(src, sizeof(src),
			 "snapshot-url %s not fetched by the check; snapshot-cache %s: verified, %s",
			 d->fetch->url_log, d->cfg.snapshot_cache, snap);
		dns_snapshot_free(&cached);
	}
	snprintf(out, n, "%s; geoip %s", src, d->cfg.geoip);
}

int main(int argc, char **argv)
{
	static struct dns_daemon d;
	static struct xp_loop loop;
	struct pool_geo *geo = NULL;
	struct dns_data *data;
	int metrics_fd = -1, ret;

	/* before any thread starts (workers, fetches): they inherit its signal mask, and only the
	 * loop's signalfd sees the signals */
	ret = xp_loop_init(&loop, on_hup, &d);
	if (ret) {
		fprintf(stderr, "xpool-dns: cannot set up the event loop: %s\n", strerror(-ret));
		return 1;
	}
	if (dns_config_load(&d.cfg, argc, argv))
		return EXIT_USAGE;
	rcu_register_thread(); /* metrics read the data under RCU from this thread */
	if (sodium_init() < 0) {
		fprintf(stderr, "xpool-dns: libsodium cannot start\n");
		return 1;
	}
	/* one host alone may use a secret of its own; a pool of hosts shares one (cookie-secret) */
	if (!d.cfg.cookie_secret_set)
		randombytes_buf(d.cfg.cookie_secret, sizeof(d.cfg.cookie_secret));
	xp_log_init("xpool-dns", d.cfg.verbose ? XP_LOG_DEBUG : XP_LOG_INFO);
	/* the data files are part of the configuration: check them too */
	if (d.cfg.snapshot_url[0]) {
		static struct dns_fetch fetch;

		if (dns_fetch_init(&fetch, &d.cfg))
			return d.cfg.check_only ? EXIT_USAGE : 1;
		d.fetch = &fetch;
		if (!d.cfg.check_only && start_fetched(&d))
			return 1;
	} else if (dns_snapshot_load(d.cfg.snapshot, snap_flags(&d), snap_max(&d), &d.snap)) {
		return d.cfg.check_only ? EXIT_USAGE : 1;
	}
	/* the built-in database unless geoip names one: installed, or a build tree's; missing,
	 * start-up and --check-config refuse alike, with the remedy (geoip off is a choice) */
	if (d.cfg.geoip_default)
		xp_geo_default(d.cfg.geoip, sizeof(d.cfg.geoip));
	if (strcmp(d.cfg.geoip, "off") && pool_geo_open(d.cfg.geoip, &geo))
		return d.cfg.check_only ? EXIT_USAGE : 1;
	stat(d.cfg.snapshot, &d.snap_st);
	if (d.cfg.check_only) {
		char what[2048], v[512];

		check_summary(&d, what, sizeof(what));
		printf("%s (%s)\n", xp_conf_verdict(d.cfg.config_path, d.cfg.config_err, v, sizeof(v)),
		       what);
		dns_snapshot_free(&d.snap);
		pool_geo_close(geo);
		if (d.fetch)
			dns_fetch_free(d.fetch);
		rcu_unregister_thread();
		return 0;
	}
	if (!geo)
		xp_info("geoip off: every client gets the global zone");
	ret = dns_server_bind(&d.srv, &d.cfg);
	if (!ret && d.cfg.metrics[0]) {
		metrics_fd = xp_http_listen(d.cfg.metrics);
		ret = metrics_fd < 0 ? metrics_fd : 0;
	}
	if (!ret)
		ret = drop_privileges();
	data = ret ? NULL : build(&d);
	if (data)
		ret = dns_server_start(&d.srv, data, geo);
	if (!ret && data && d.fetch)
		ret = dns_fetch_start(d.fetch);
	if (!ret && data) {
		xp_info("serving %s: %d listen address(es), %d thread(s), %zu servers (%u in DNS)",
			d.cfg.zone, d.cfg.n_listen, d.cfg.threads, d.snap.n, data->listed);
		ret = run(&d, &loop, metrics_fd);
	}
	if (d.fetch)
		dns_fetch_free(d.fetch);
	dns_server_stop(&d.srv);
	dns_snapshot_free(&d.snap);
	pool_geo_close(geo);
	if (metrics_fd >= 0)
		close(metrics_fd);
	xp_loop_close(&loop);
	rcu_unregister_thread();
	return ret || !data ? 1 : 0;
}
