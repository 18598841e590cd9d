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
#include "mon_round.h"
#include "mon_sink.h"
#include "pool_rules.h"
#include "xp_chrony.h"
#include "reg_db.h"
#include "xp_conf.h"
#include "xp_http.h"
#include "xp_log.h"
#include "xp_loop.h"
#include "xp_metrics.h"
#include "xp_time.h"
#include "xp_sign.h"
#include "xp_parse.h"

#define EXIT_USAGE 2

/* What round_once did (or -1: this monitor is not registered, an operator's error). */
enum round_result {
	ROUND_DONE,   /* every server checked (and the export written, with export) */
	ROUND_STOP,   /* a stop arrived during it */
	ROUND_NONE,   /* no round: paused, this host's clock, the registry away (why in why_none) */
	ROUND_FAILED, /* the round was made, but its export could not be written */
};

/* A server as a round checks it: the last complete list is kept for rounds while the registry
 * is away. */
struct mon_srv {
	long id;
	char ip[64];
};

struct mon_list {
	struct mon_srv *v;
	size_t n, cap;
	bool complete; /* the registry's cursor reached its end */
};

struct monitor {
	char db_path[512], name[65], chrony_socket[108], export_path[256], export_sign[256];
	uint8_t sk[XP_SIGN_SECRET]; /* export-sign's secret key, loaded at start */
	long interval, samples, timeout_ms;
	double max_rd;
	bool once, no_chrony, same_network_ok;
	struct reg *db;
	struct mon_sink sink;	 /* checks on their way to the registry */
	long max_pending;
	struct xp_chrony chrony;
	struct xp_loop loop;	 /* signals, the metrics endpoint, the rounds, the watchdog */
	int retry_timer;	 /* checks the registry could not take, tried again */
	int exit_ret;		 /* what the loop's stop means: 0, or -1 (an operator's error) */
	long max_in_flight;	 /* checks at once */
	struct reg_cursor *cursor; /* the round's servers */
	unsigned long rounds, skipped_own;
	double last_round_s;
	char metrics[64];
	int metrics_fd;
	uint64_t results[MON_ERROR + 1];   /* checks by the chosen sample's result */
	struct mon_round_stats *live;	   /* the round in progress, for the endpoint */
	unsigned checked;	 /* servers checked this round */
	char why_none[320];	 /* why the last round was not made (ROUND_NONE) */
	/*
	 * While the registry is away, a monitor that has its status and the server list of its
	 * last round goes on checking those servers; its checks are kept (max-pending) and written
	 * when the registry is back. The list holds at most max-pending servers (no more checks of
	 * one round could be kept).
	 */
	struct mon_list list, fresh; /* the last complete list; the one this round reads */
	enum reg_mon_status status;  /* as the registry said last */
	bool have_status, offline, waiting, said_paused;
	bool cut; /* the round lost the registry with no list to go on with */
	int servers_known;	     /* -1 unknown, 0 none in the registry, 1 some */
	size_t off_i;		     /* offline: the next entry of list */
	long last_id;		     /* the last server this round handed out */
};

static void list_add(struct mon_list *l, long id, const char *ip, size_t max)
{
	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 256;
		struct mon_srv *v;

		if (cap > max)
			cap = max;
		if (l->n == cap || !(v = realloc(l->v, cap * sizeof(*v))))
			return; /* past max-pending, or no memory: the rest is not kept */
		l->v = v;
		l->cap = cap;
	}
	l->v[l->n].id = id;
	memcpy(l->v[l->n].ip, ip, 64);
	l->n++;
}

/* The monitor measures against its own clock: it must be synchronised (chronyd's view). */
static int self_synced(struct monitor *m, char *why, size_t n)
{
	struct xp_tracking t;
	bool news;
	int ret;

	if (m->no_chrony) {
		struct timex tx = { 0 };
		int state = adjtimex(&tx);

		snprintf(why, n, "kernel clock unsynchronised (STA_UNSYNC)");
		return state != TIME_ERROR && !(tx.status & STA_UNSYNC);
	}
	ret = xp_chrony_ask(&m->chrony, m->chrony_socket, "xpool-monitor", 500, &t, &news);
	if (ret) {
		char advice[768];

		if (news) /* the advice once per new failure; each round says it is not scoring */
			xp_warn("%s", xp_chrony_advice(m->chrony_socket, ret,
						       "judge this host's clock by adjtimex()",
						       advice, sizeof(advice)));
		snprintf(why, n, "chronyd at %s unreachable: %s", m->chrony_socket, strerror(-ret));
		return 0;
	}
	snprintf(why, n, "chronyd is unsynchronised");
	return xp_chrony_synced(&t, 15);
}

/* A finished check: queued for the registry, scored as the pool does when it is written. */
static void record(void *ctx, long id, const char *ip, const struct mon_check *c)
{
	struct monitor *m = ctx;

	m->checked++;
	if (m->sink.stopped)
		return; /* removed or paused during the round: nothing more is recorded */
	m->results[c->chosen.result]++;
	xp_debug("%-24s offset %+9.3f ms  (%s)", ip,
		 isnan(c->chosen.offset) ? 0.0 : c->chosen.offset * 1e3, c->note);
	mon_sink_add(&m->sink, id, c, time(NULL));
}

/* One family of one sample, no label. */
static void one(struct xp_metrics *w, const char *name, const char *type, const char *help,
		uint64_t v)
{
	xp_metrics_family(w, name, type, help);
	xp_metrics_u64(w, v);
}

static void render(void *ctx, FILE *f)
{
	static const char *const names[] = { "ok", "no_response", "kod_rate", "kod_deny", "stratum0",
					     "error" };
	struct monitor *m = ctx;
	struct xp_metrics w;
	uint64_t cum = 0;

	xp_metrics_init(&w, f);
	xp_metrics_family(&w, "xpool_monitor_checks_total", "counter",
			  "Checks by the chosen sample's result.");
	for (int r = 0; r <= MON_ERROR; r++)
		xp_metrics_u64_l(&w, "result", names[r], m->results[r]);
	one(&w, "xpool_monitor_rounds_total", "counter", "Rounds finished.", m->rounds);
	xp_metrics_family(&w, "xpool_monitor_round_seconds", "gauge", "The last round's duration.");
	xp_metrics_samplef(&w, NULL, NULL, 0, "%.3f", m->last_round_s);
	one(&w, "xpool_monitor_in_flight", "gauge", "Checks in flight now.",
	    m->live ? m->live->in_flight : 0UL);
	one(&w, "xpool_monitor_own_network_skipped_total", "counter",
	    "Servers in this monitor's own /24 or /48, not scored.", m->skipped_own);
	one(&w, "xpool_monitor_registry_up", "gauge", "Whether the registry answers.",
	    !m->sink.down);
	xp_metrics_family(&w, "xpool_monitor_pending_checks", "gauge",
			  "Checks waiting to be written to the registry.");
	xp_metrics_samplef(&w, NULL, NULL, 0, "%ld", m->sink.n);
	one(&w, "xpool_monitor_recorded_total", "counter", "Checks written to the registry.",
	    m->sink.written);
	one(&w, "xpool_monitor_replays_skipped_total", "counter",
	    "Checks found written already when a batch was replayed after a lost connection.",
	    m->sink.replayed);
	one(&w, "xpool_monitor_checks_dropped_total", "counter",
	    "Checks dropped: the registry was away past max-pending.", m->sink.dropped);
	one(&w, "xpool_monitor_registry_reconnects_total", "counter",
	    "Connections to the registry made again.", m->sink.reconnects);
	/* the scores this monitor gave, cumulative by upper bound, as Prometheus histograms are */
	xp_metrics_family(&w, "xpool_monitor_score", "histogram",
			  "Scores written to the registry (" POOL_MIN_SCORE_TEXT " and up: in DNS).");
	for (int b = 0; b <= MON_SINK_BUCKETS; b++) {
		char le[32];
		struct xp_label l = { "le", le };

		cum += m->sink.score_le[b];
		if (b < MON_SINK_BUCKETS)
			snprintf(le, sizeof(le), "%g", mon_sink_bounds[b]);
		else
			snprintf(le, sizeof(le), "+Inf");
		xp_metrics_samplef(&w, "_bucket", &l, 1, "%lu", (unsigned long)cum);
	}
	xp_metrics_samplef(&w, "_sum", NULL, 0, "%g", m->sink.score_sum);
	xp_metrics_samplef(&w, "_count", NULL, 0, "%lu", (unsigned long)cum);
}

static void on_metrics(struct xp_loop *l, struct xp_loop_fd *h, uint32_t events)
{
	(void)l;
	(void)events;
	xp_http_serve(h->fd, render, h->ctx);
}

/*
 * The round's next server: from the registry, or, once it is away, from the last complete list
 * (the servers after the last one handed out), so that the round goes on.
 */
static int next_server(void *ctx, long *id, char ip[64])
{
	struct monitor *m = ctx;
	int ret;

	if (!m->offline) {
		ret = reg_servers_next(m->cursor, id, ip);
		if (ret == 1) {
			list_add(&m->fresh, *id, ip, m->max_pending);
			m->last_id = *id;
			return 1;
		}
		if (ret == 0) {
			m->fresh.complete = true;
			return 0;
		}
		mon_sink_away(&m->sink, ret);
		if (!m->list.complete) {
			m->cut = true;
			return ret; /* no list to go on with: the round ends early */
		}
		m->offline = true;
		for (m->off_i = 0; m->off_i < m->list.n && m->list.v[m->off_i].id <= m->last_id;
		     m->off_i++)
			;
	}
	if (m->off_i == m->list.n)
		return 0;
	*id = m->list.v[m->off_i].id;
	memcpy(ip, m->list.v[m->off_i].ip, 64);
	m->off_i++;
	return 1;
}

/* The registry's word on this monitor: 0 (m->status), -ENOENT (not registered), or -EAGAIN
 * when the registry is away (the outage logged once, by the sink). */
static int read_status(struct monitor *m)
{
	enum reg_mon_status status;
	int ret;

	/* a connection known lost is tried again only when its backoff says so */
	if (m->sink.down && !mon_sink_connected(&m->sink, 0))
		return -EAGAIN;
	ret = reg_monitor_status(m->db, m->name, &status);
	if (ret == -ENOENT)
		return ret;
	if (ret) {
		mon_sink_away(&m->sink, ret);
		return -EAGAIN;
	}
	if (m->have_status && status != m->status)
		xp_info("monitor %s: now %s in the registry", m->name,
			status == REG_MON_ACTIVE    ? "active"
			: status == REG_MON_TESTING ? "testing"
						    : "paused");
	if (status == REG_MON_TESTING && (!m->have_status || m->status != status))
		xp_warn("monitor %s is testing: its checks are recorded and shown, but count in no "
			"DNS score (xpoolctl monitor set %s status active)",
			m->name, m->name);
	m->status = status;
	m->have_status = true;
	mon_sink_answered(&m->sink);
	return 0;
}

/* One round: every server, then the export. An enum round_result, or -1 (not registered). */
static int round_once(struct monitor *m)
{
	char why[160];
	int ret;

	m->checked = 0;
	m->why_none[0] = 0;
	/* what earlier rounds could not write goes first: checks are written in the order made */
	ret = mon_sink_flush(&m->sink) == -EAGAIN ? -EAGAIN : read_status(m);
	if (ret == -ENOENT) {
		xp_err("monitor %s is not registered (xpoolctl monitor add %s)", m->name, m->name);
		return -1;
	}
	m->offline = ret == -EAGAIN;
	if (m->offline && !(m->have_status && m->list.complete)) {
		snprintf(m->why_none, sizeof(m->why_none),
			 "the registry is away (%s), and this monitor has no server list yet",
			 reg_why(m->db));
		if (!m->waiting)
			xp_warn("%s: rounds wait for the registry", m->why_none);
		m->waiting = true;
		return ROUND_NONE;
	}
	m->waiting = false;
	if (m->status == REG_MON_PAUSED) {
		snprintf(m->why_none, sizeof(m->why_none),
			 "monitor %s is paused in the registry (xpoolctl monitor set %s status "
			 "active)",
			 m->name, m->name);
		if (!m->said_paused) /* once, not every round of a pause */
			xp_info("not scoring: %s", m->why_none);
		m->said_paused = true;
		xp_loop_status("paused");
		return ROUND_NONE;
	}
	m->said_paused = false;
	if (!self_synced(m, why, sizeof(why))) {
		xp_warn("not scoring: %s", why);
		xp_loop_status("not scoring: %s", why);
		snprintf(m->why_none, sizeof(m->why_none), "not scoring: %s", why);
		return ROUND_NONE;
	}
	{
		struct mon_check_opts o = { .samples = m->samples, .timeout_ms = m->timeout_ms,
					    .max_root_distance = m->max_rd,
					    .same_network_ok = m->same_network_ok };
		struct mon_round_stats st;
		bool offline = m->offline;

		m->sink.stopped = false;
		m->fresh.n = 0;
		m->fresh.complete = false;
		m->last_id = 0;
		m->off_i = 0;
		m->cut = false;
		if (!m->offline && reg_servers_open(m->db, &m->cursor))
			return ROUND_NONE;
		m->live = &st;
		ret = mon_round_run(&m->loop, &o, m->max_in_flight, next_server, record, m, &st);
		m->live = NULL;
		reg_servers_close(m->cursor);
		m->cursor = NULL;
		/* a list read to its end is the one later rounds go on with while the registry
		 * is away */
		if (m->fresh.complete) {
			struct mon_list t = m->list;

			m->list = m->fresh;
			m->fresh = t;
			if ((m->list.n > 0) != (m->servers_known > 0) || m->servers_known < 0) {
				m->servers_known = m->list.n > 0;
				if (!m->list.n)
					xp_warn("no servers in the registry: nothing to check "
						"(xpoolctl server add ADDRESS COUNTRY)");
			}
		}
		/* the round's last checks; when the registry is away they wait, and the loop retries */
		mon_sink_flush(&m->sink);
		if (ret == -ECANCELED)
			return ROUND_STOP; /* stopping: checks in flight are not recorded */
		if (m->cut) {
			snprintf(m->why_none, sizeof(m->why_none),
				 "round cut short after %lu server(s): the registry went away (%s), "
				 "and this monitor has no complete server list yet to go on with (the "
				 "checks made are kept)",
				 st.checked, reg_why(m->db));
			xp_warn("%s", m->why_none);
			return ROUND_NONE;
		}
		m->rounds++;
		m->last_round_s = st.seconds;
		m->skipped_own += st.skipped_own_network;
		if (m->offline)
			xp_info("round: %lu server(s) checked in %.1f s, %s; %ld check(s) kept for "
				"the registry",
				st.checked, st.seconds,
				offline ? "the registry away: its last list"
					: "the registry went away: the rest from its last list",
				m->sink.n);
		else
			xp_info("round: %lu server(s) checked in %.1f s (%.0f/s, at most %lu in "
				"flight)%s",
				st.checked, st.seconds,
				st.seconds > 0 ? st.checked / st.seconds : 0.0, st.peak_in_flight,
				st.skipped_own_network ? ", own network skipped" : "");
	}
	if (m->export_path[0]) {
		char err[256];

		if (m->offline) {
			snprintf(m->why_none, sizeof(m->why_none),
				 "export %s: not written, the registry is away", m->export_path);
			xp_debug("%s", m->why_none);
			return ROUND_FAILED;
		}
		if (reg_export(m->db, m->export_path, time(NULL), m->export_sign[0] ? m->sk : NULL, err,
			       sizeof(err))) {
			xp_err("%s", err);
			snprintf(m->why_none, sizeof(m->why_none), "%s", err);
			return ROUND_FAILED;
		}
	}
	xp_loop_status("round done: %u server(s) checked", m->checked);
	return ROUND_DONE;
}

/* Checks the registry could not take are tried again when the sink's backoff says so. */
static void arm_retry(struct monitor *m)
{
	int wait = mon_sink_wait_ms(&m->sink);

	xp_loop_timer_at(&m->loop, m->retry_timer, wait < 0 ? -1 : xp_mono_ms() + wait, 0);
}

static void on_retry(struct xp_loop *l, void *ctx)
{
	struct monitor *m = ctx;

	(void)l;
	if (m->live)
		return; /* a round is writing: armed again when it ends */
	if (mon_sink_wait_ms(&m->sink) == 0)
		mon_sink_flush(&m->sink);
	arm_retry(m);
}

/* Every interval: a round (one longer than the interval: the next starts at once, no pile). */
static void on_round(struct xp_loop *l, void *ctx)
{
	struct monitor *m = ctx;
	int ret = round_once(m);

	if (ret < 0) { /* not registered: an operator's error */
		m->exit_ret = -1;
		xp_loop_stop(l);
		return;
	}
	if (ret == ROUND_STOP) {
		xp_loop_stop(l);
		return;
	}
	if (m->once) {
		/* never a success for a round that was not made or an export not written */
		if (ret == ROUND_NONE)
			xp_err("--once: no round made: %s%s%s%s", m->why_none,
			       m->export_path[0] ? "; " : "", m->export_path,
			       m->export_path[0] ? " was not written" : "");
		m->exit_ret = ret == ROUND_DONE ? 0 : -1;
		xp_loop_stop(l);
		return;
	}
	arm_retry(m);
}

/* The daemon loop: the rounds on a timer, the metrics endpoint, signals, the watchdog. */
static int run(struct monitor *m)
{
	struct xp_loop_fd metrics = { m->metrics_fd, on_metrics, m };
	int round = xp_loop_timer(&m->loop, on_round, m), ret = 0;

	m->retry_timer = xp_loop_timer(&m->loop, on_retry, m);
	if (round < 0 || m->retry_timer < 0)
		ret = -ENOSPC;
	if (!ret && metrics.fd >= 0)
		ret = xp_loop_add(&m->loop, &metrics, EPOLLIN);
	if (ret) {
		xp_err("cannot set up the event loop: %s", strerror(-ret));
		return ret;
	}
	xp_loop_timer_at(&m->loop, round, xp_mono_ms(), m->interval * 1000);
	ret = xp_loop_run(&m->loop);
	if (ret) {
		xp_err("event loop: %s", strerror(-ret));
		return ret;
	}
	return m->exit_ret;
}

#define M struct monitor
static const struct xp_directive directives[] = {
	XP_STRING_SECRET("db", M, db_path, REG_DB_DEFAULT, "FILE|URI",
			 "the registry: a SQLite file, or postgresql://... (this monitor's role)",
			 xp_conf_secret_uri),
	XP_INT("max-pending", M, max_pending, 1, 10000000, "100000", "N",
	       "checks kept while the registry is away (then new ones are dropped, counted)"),
	XP_STRING("name", M, name, "monitor", "NAME", "this monitor's name in the registry"),
	XP_INT("interval", M, interval, 1, 86400, "60", "SEC", "between rounds"),
	XP_INT("samples", M, samples, 1, 10, "3", "N", "NTP queries per check, 100 ms apart"),
	XP_INT("max-in-flight", M, max_in_flight, 1, 65536, "512", "N",
	       "checks at once (each a socket; memory is bounded by this, not the registry)"),
	XP_INT("timeout-ms", M, timeout_ms, 100, 10000, "1000", "MS", "the deadline of one sample"),
	XP_STRING("chrony-socket", M, chrony_socket, "/run/chrony/chronyd.sock", "PATH",
		  "this host's chronyd: the monitor scores only while it is synchronised"),
	XP_FLAG("no-chrony", M, no_chrony, "judge this host's clock by adjtimex() instead"),
	XP_DOUBLE("max-root-distance", M, max_rd, 0.001, 16, "1", "SEC",
		  "a server's root delay / 2 + root dispersion above this is an error"),
	XP_STRING("export", M, export_path, NULL, "FILE", "write the DNS snapshot after every round"),
	XP_STRING("export-sign", M, export_sign, NULL, "KEYFILE",
		  "sign each export with this Ed25519 secret key (FILE.sig)"),
	XP_FLAG("once", M, once, "one round, then exit"),
	XP_HOSTPORT("metrics", M, metrics, NULL, "Prometheus endpoint (served during rounds too)"),
	XP_FLAG("same-network-ok", M, same_network_ok,
		"labs and tests: also score servers in this monitor's own /24 or /48"),
};
#undef M

static const struct xp_conf_spec spec = {
	.prog = "xpool-monitor",
	.default_path = "/etc/xpool/monitor.conf",
	.dirs = directives,
	.n_dirs = sizeof(directives) / sizeof(directives[0]),
};

int main(int argc, char **argv)
{
	static struct monitor m = {
		.chrony = { .fd = -1 }, .metrics_fd = -1, .servers_known = -1
	};
	struct xp_conf_opts o = { .config_path = "" };
	int ret;

	if (xp_conf_load(&spec, &m, argc, argv, &o) || !m.name[0])
		return EXIT_USAGE;
	if (o.check_only) {
		char v[512];

		printf("%s\n", xp_conf_verdict(o.config_path, o.file_err, v, sizeof(v)));
		return 0;
	}
	xp_log_init("xpool-monitor", o.verbose ? XP_LOG_DEBUG : XP_LOG_INFO);
	if (m.export_path[0] && reg_is_uri(m.db_path)) {
		xp_err("export: on PostgreSQL the registry host exports (xpoolctl export --sign); a "
		       "monitor's role sees only its own scores");
		return EXIT_USAGE;
	}
	if (m.export_sign[0]) {
		char err[256];

		if (xp_sign_load_secret(m.export_sign, m.sk, err, sizeof(err))) {
			xp_err("export-sign %s", err);
			return EXIT_USAGE;
		}
	}
	ret = xp_loop_init(&m.loop, NULL, NULL);
	if (ret) {
		xp_err("cannot set up the event loop: %s", strerror(-ret));
		return 1;
	}
	if (reg_open(m.db_path, REG_OPEN_EXISTING, &m.db) || reg_checks_durability(m.db))
		return 1;
	if (mon_sink_init(&m.sink, m.db, m.name, m.max_pending)) {
		xp_err("cannot allocate the queue of %ld checks (max-pending)", m.max_pending);
		reg_close(m.db);
		return 1;
	}
	if (m.metrics[0] && (m.metrics_fd = xp_http_listen(m.metrics)) < 0) {
		mon_sink_free(&m.sink);
		reg_close(m.db);
		return 1;
	}
	ret = run(&m);
	if (m.sink.n && mon_sink_flush(&m.sink)) {
		xp_err("exiting with %ld check(s) the registry did not take", m.sink.n);
		if (m.once)
			ret = -1; /* --once: its checks were not recorded */
	}
	mon_sink_free(&m.sink);
	free(m.list.v);
	free(m.fresh.v);
	if (m.metrics_fd >= 0)
		close(m.metrics_fd);
	xp_chrony_close(&m.chrony);
	reg_close(m.db);
	xp_loop_close(&m.loop);
	return ret ? 1 : 0;
}
