// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* api_main.c - xpool-api: volunteers' accounts and servers over HTTP, and their alerts. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <curl/curl.h>
#include <microhttpd.h>
#include <sodium.h>

#include "api.h"
#include "api_alert.h"
#include "api_http.h"
#include "reg_acct.h"
#include "xp_addr.h"
#include "xp_conf.h"
#include "pool_geo.h"
#include "xp_geo.h"
#include "xp_http.h"
#include "xp_log.h"
#include "xp_loop.h"
#include "xp_metrics.h"
#include "xp_parse.h"
#include "xp_time.h"

#define EXIT_USAGE    2
#define ALERT_POLL_MS 100 /* how often the alert thread looks for a stop between passes */

static int d_proxy(void *cfg, const char *where, int argc, char **argv)
{
	struct api *a = cfg;
	uint8_t raw[16];
	bool v6;

	for (int i = 1; i < argc; i++) {
		if (a->n_proxies == API_MAX_PROXIES)
			return xp_conf_bad(where, "trusted-proxy: at most %s addresses", "8");
		if (xp_addr_parse(argv[i], raw, &v6))
			return xp_conf_bad(where, "trusted-proxy: not an address: '%s'", argv[i]);
		xp_addr_text(v6, raw, a->proxies[a->n_proxies++], 64);
	}
	return 0;
}

static void clear_list(void *cfg, int list)
{
	(void)list;
	((struct api *)cfg)->n_proxies = 0;
}

#define A struct api
static const struct xp_directive directives[] = {
	XP_STRING_SECRET("db", A, db_path, REG_DB_DEFAULT, "FILE|URI",
			 "the registry: a SQLite file, or postgresql://...", xp_conf_secret_uri),
	XP_HOSTPORT("listen", A, listen, "127.0.0.1:8080",
		    "the API's HTTP address (TLS is the reverse proxy's: tools/nginx)"),
	XP_FN("trusted-proxy", 1, 8, 1, d_proxy, "127.0.0.1 ::1", "ADDR...",
	      "peers whose X-Real-IP names the client (the TLS proxy)"),
	XP_HOSTPORT("metrics", A, metrics, NULL, "Prometheus endpoint"),
	XP_INT("max-connections", A, max_connections, 1, 4096, "64", "N",
	       "connections at once (a thread each)"),
	XP_INT("max-per-address", A, max_per_address, 1, 4096, "8", "N",
	       "connections at once from one address, IPv6 by /64 (trusted proxies: no limit)"),
	XP_INT("request-timeout", A, request_timeout, 1, 300, "10", "SEC",
	       "a request's head and body must arrive within this, however they trickle"),
	XP_INT("db-connections", A, db_connections, 1, API_DB_MAX, "4", "N",
	       "registry connections shared by the requests"),
	XP_INT("max-body", A, max_body, 64, 1048576, "4096", "BYTES", "a request body's limit"),
	XP_INT("max-servers", A, max_servers, 0, 100000, "10", "N", "servers per account"),
	XP_INT("account-rate", A, account_rate, 1, 100000, "120", "N",
	       "requests per minute per account"),
	XP_INT("signup-rate", A, signup_rate, 1, 100000, "10", "N",
	       "sign-ups and logins per minute per client address (IPv6: per /64)"),
	XP_INT("check-tries", A, check_tries, 1, 8, "3", "N",
	       "requests of the check before a server is accepted"),
	XP_INT("check-timeout-ms", A, check_timeout_ms, 100, 10000, "1000", "MS",
	       "the deadline of each of them"),
	XP_INT("check-workers", A, check_workers, 1, API_CHECK_MAX, "8", "N",
	       "checks at once (one per account); more wait for none: 503"),
	XP_INT("check-target-rate", A, check_target_rate, 1, 60, "3", "N",
	       "checks of one address (IPv6: /64) per minute, whoever asks"),
	XP_INT("check-failures", A, check_failures, 1, 1000, "10", "N",
	       "failed checks an hour, per account and per client address"),
	XP_STRING("geoip", A, geoip, XP_GEOIP_INSTALLED, "FILE|off",
		  "the country of a server added without one"),
	XP_FLAG("test-addresses", A, test_addresses,
		"accept documentation and private ranges (test pools only)"),
	XP_INT("retention-days", A, retention_days, 0, 3650, "90", "DAYS",
	       "a deleted server's history is kept this long"),
	XP_FLAG("no-alerts", A, no_alerts, "send no alerts (another host of a shared registry does)"),
	XP_INT("alert-interval", A, alert_interval, 1, 86400, "60", "SEC",
	       "between passes over the servers for alerts"),
	XP_INT("alert-budget", A, alert_budget, 1, 1000, "200", "N",
	       "alerts told per pass (webhooks called at once); the rest wait"),
	XP_INT("alert-account-budget", A, alert_account_budget, 1, 1000, "10", "N",
	       "alerts told per pass to one account"),
	XP_INT("webhook-timeout-ms", A, webhook_timeout_ms, 100, 60000, "5000", "MS",
	       "the deadline of one webhook call"),
	XP_STRING("sendmail", A, sendmail, "/usr/sbin/sendmail", "PATH|off",
		  "the MTA's sendmail interface for alert mail"),
	XP_STRING("mail-from", A, mail_from, "xpool", "ADDR", "the sender of alert mail"),
	XP_FLAG("test-mode", A, test_mode, "allow test-only settings (never in production)"),
	XP_INT("test-check-port", A, test_check_port, 1, 65535, "123", "PORT",
	       "the port the check asks (test-mode only)"),
	XP_FLAG("test-webhook-local", A, test_webhook_local,
		"webhooks may call local and private addresses (test-mode only)"),
};
#undef A

static const struct xp_conf_spec spec = {
	.prog = "xpool-api",
	.default_path = "/etc/xpool/api.conf",
	.dirs = directives,
	.n_dirs = sizeof(directives) / sizeof(directives[0]),
	.clear_list = clear_list,
	.args = true,
	.usage_args = "[routes]",
	.help_text = "  routes                        print the routes served, one per line\n",
};

/* What start-up refuses, --check-config refuses too: 0 or -EINVAL. */
static int check_system(struct api *a)
{
	struct stat st;

	if ((a->test_check_port != 123 || a->test_webhook_local) && !a->test_mode) {
		fprintf(stderr, "xpool-api: %s is a test-only setting: refused without test-mode\n",
			a->test_webhook_local ? "test-webhook-local" : "test-check-port");
		return -EINVAL;
	}
	if (a->check_workers >= a->max_connections) {
		fprintf(stderr, "xpool-api: check-workers (%ld) must be below max-connections (%ld): "
				"checks would hold every connection\n",
			a->check_workers, a->max_connections);
		return -EINVAL;
	}
	if (strcmp(a->sendmail, "off") && a->sendmail[0] != '/') {
		fprintf(stderr, "xpool-api: sendmail: an absolute path or off, not '%s'\n",
			a->sendmail);
		return -EINVAL;
	}
	if (strcmp(a->sendmail, "off") && (stat(a->sendmail, &st) || !(st.st_mode & 0111)))
		fprintf(stderr, "xpool-api: warning: sendmail %s is not an executable here: alert "
				"mail will fail until an MTA is installed\n",
			a->sendmail);
	if (strcmp(a->geoip, "off") && a->geoip[0] != '/') {
		fprintf(stderr, "xpool-api: geoip: an absolute path or off, not '%s'\n", a->geoip);
		return -EINVAL;
	}
	return 0;
}

/* A family of one counter per label value. */
static void pairs(struct xp_metrics *m, const char *name, const char *help, const char *label,
		  const char *const *values, const unsigned long *counts, int n)
{
	xp_metrics_family(m, name, "counter", help);
	for (int i = 0; i < n; i++)
		xp_metrics_u64_l(m, label, values[i], counts[i]);
}

static void render(void *ctx, FILE *f)
{
	struct api *a = ctx;
	static const char *const cls[] = {"other", "1xx", "2xx", "3xx", "4xx", "5xx"};
	static const char *const channels[] = {"webhook", "email"};
	struct xp_metrics m;

	xp_metrics_init(&m, f);
	xp_metrics_family(&m, "xpool_api_requests_total", "counter",
			  "Requests answered, by status class.");
	for (int i = 0; i < 6; i++)
		xp_metrics_u64_l(&m, "code", cls[i], atomic_load(&a->requests[i]));
	pairs(&m, "xpool_api_server_checks_total", "Checks of servers being added, by result.",
	      "result", (const char *const[]){"passed", "refused"},
	      (const unsigned long[]){atomic_load(&a->checks_passed),
				      atomic_load(&a->checks_refused)},
	      2);
	pairs(&m, "xpool_api_rate_limited_total", "Requests refused by a rate limit.", "limit",
	      (const char *const[]){"account", "address"},
	      (const unsigned long[]){(unsigned long)a->by_account.refused,
				      (unsigned long)a->by_addr.refused},
	      2);
	xp_metrics_family(&m, "xpool_api_alerts_total", "counter",
			  "Alert messages, by channel and result.");
	for (int c = 0; c < 2; c++) {
		struct xp_label sent[2] = {{"channel", channels[c]}, {"result", "sent"}};
		struct xp_label failed[2] = {{"channel", channels[c]}, {"result", "failed"}};

		xp_metrics_samplef(&m, NULL, sent, 2, "%lu", atomic_load(&a->alerts_sent[c]));
		xp_metrics_samplef(&m, NULL, failed, 2, "%lu", atomic_load(&a->alerts_failed[c]));
	}
	xp_metrics_family(&m, "xpool_api_alerts_suppressed_total", "counter",
			  "Changes not told: one of that kind went out within a day.");
	xp_metrics_u64(&m, atomic_load(&a->alerts_suppressed));
	xp_metrics_family(&m, "xpool_api_registry_errors_total", "counter",
			  "Registry calls that failed.");
	xp_metrics_u64(&m, atomic_load(&a->registry_errors));
	pairs(&m, "xpool_api_checks_deferred_total",
	      "Checks not started: the account had one in flight, every worker was busy, or the "
	      "address was checked moments ago.",
	      "reason", (const char *const[]){"account", "workers", "target"},
	      (const unsigned long[]){atomic_load(&a->checks.deferred[API_CHECK_ACCOUNT]),
				      atomic_load(&a->checks.deferred[API_CHECK_WORKERS]),
				      atomic_load(&a->checks.deferred[API_CHECK_TARGET])},
	      3);
	xp_metrics_family(&m, "xpool_api_alerts_deferred_total", "counter",
			  "Alerts left for a later pass (budget, backoff).");
	xp_metrics_u64(&m, atomic_load(&a->alerts_deferred));
	xp_metrics_family(&m, "xpool_api_webhooks_refused_total", "counter",
			  "Webhook calls refused: the host resolved to an address that is not "
			  "global unicast.");
	xp_metrics_u64(&m, atomic_load(&a->webhooks_refused));
	pairs(&m, "xpool_api_connections_closed_total",
	      "Connections closed by the API: over the limit per address, or a request slower "
	      "than request-timeout.",
	      "reason", (const char *const[]){"per_address", "request_timeout"},
	      (const unsigned long[]){atomic_load(&a->conns_refused), atomic_load(&a->conns_reaped)},
	      2);
}

struct alerter {
	struct api *a;
	struct reg *db;
	pthread_t thread;
};

/*
 * The alert passes, on a thread of their own: a pass that waits on webhooks or an MTA holds up
 * neither signals nor /metrics, and a stop ends it within POLL_MS.
 */
static void *alert_loop(void *arg)
{
	struct alerter *t = arg;
	struct api *a = t->a;

	while (!atomic_load(&a->stopping)) {
		int64_t next = xp_mono_ms() + a->alert_interval * 1000;
		int ret = api_alert_sweep(a, t->db, time(NULL));

		if (ret && !atomic_load(&a->stopping)) {
			xp_warn("alerts: the registry could not be read or written (%s): next pass "
				"in %ld s",
				reg_why(t->db), a->alert_interval);
			if (ret == -ENOTCONN)
				reg_reconnect(t->db);
		}
		while (!atomic_load(&a->stopping) && xp_mono_ms() < next)
			usleep(ALERT_POLL_MS * 1000);
	}
	return NULL;
}

static void on_metrics(struct xp_loop *l, struct xp_loop_fd *h, uint32_t events)
{
	(void)l;
	(void)events;
	xp_http_serve(h->fd, render, h->ctx);
}

static int run(struct api *a, struct xp_loop *l, int metrics_fd)
{
	struct xp_loop_fd metrics = { metrics_fd, on_metrics, a };
	int ret = metrics_fd >= 0 ? xp_loop_add(l, &metrics, EPOLLIN) : 0;

	if (ret) {
		xp_err("cannot set up the event loop: %s", strerror(-ret));
		return ret;
	}
	ret = xp_loop_run(l);
	if (ret)
		xp_err("event loop: %s", strerror(-ret));
	return ret;
}

int main(int argc, char **argv)
{
	static struct api a;
	static struct xp_loop loop;
	struct xp_conf_opts o = {.config_path = ""};
	struct alerter al = {.a = &a};
	struct MHD_Daemon *d = NULL;
	char where[512];
	int metrics_fd = -1, ret = 1;
	bool checks = false, alerting = false, pool = false;

	if (xp_conf_load(&spec, &a, argc, argv, &o) || check_system(&a))
		return EXIT_USAGE;
	if (o.argc == 1 && !strcmp(o.argv[0], "routes")) {
		api_routes_print(stdout);
		return 0;
	}
	if (o.argc) {
		fprintf(stderr, "xpool-api: unknown command '%s' (routes)\n", o.argv[0]);
		return EXIT_USAGE;
	}
	/* the built-in database unless geoip names one; missing, start-up and --check-config
	 * refuse alike, with the remedy (geoip off is a choice: a country is then required) */
	if (!strcmp(a.geoip, XP_GEOIP_INSTALLED))
		xp_geo_default(a.geoip, sizeof(a.geoip));
	xp_log_init("xpool-api", o.verbose ? XP_LOG_DEBUG : XP_LOG_INFO);
	if (strcmp(a.geoip, "off")) {
		if (pool_geo_open(a.geoip, &a.geo))
			return o.check_only ? EXIT_USAGE : 1;
	}
	if (o.check_only) {
		char v[512];

		printf("%s\n", xp_conf_verdict(o.config_path, o.file_err, v, sizeof(v)));
		pool_geo_close(a.geo);
		return 0;
	}
	if (!strcmp(a.sendmail, "off"))
		a.sendmail[0] = 0;
	signal(SIGPIPE, SIG_IGN);
	/* before any thread starts: libmicrohttpd's threads inherit the loop's signal mask, and the
	 * signals reach the loop's signalfd only */
	ret = xp_loop_init(&loop, NULL, NULL);
	if (ret) {
		xp_err("cannot set up the event loop: %s", strerror(-ret));
		return 1;
	}
	ret = 1;
	if (sodium_init() < 0 || curl_global_init(CURL_GLOBAL_DEFAULT)) {
		xp_err("cannot initialise libsodium or libcurl");
		return 1;
	}
	/* the stand-in hash for unknown addresses is made now, not at the first such login (whose
	 * extra time would tell that the address has no account) */
	(void)reg_password_verify(NULL, "");
	sem_init(&a.hash_slots, 0, 2);
	if (api_limit_init(&a.by_account, (double)a.account_rate) ||
	    api_limit_init(&a.by_addr, (double)a.signup_rate) ||
	    api_limit_init_burst(&a.check_fails, (double)a.check_failures / 60.0,
				 (double)a.check_failures)) {
		xp_err("out of memory for the rate limits");
		goto out;
	}
	pool = true;
	if (api_db_open(&a.db, a.db_path, (int)a.db_connections))
		goto out;
	if (!a.no_alerts && reg_open(a.db_path, REG_OPEN_EXISTING, &al.db))
		goto out;
	if (!a.probe)
		a.probe = xp_ntp_probe;
	if (api_checks_start(&a.checks, (int)a.check_workers, a.check_target_rate,
			     (uint16_t)a.test_check_port, (int)a.check_tries,
			     (int)a.check_timeout_ms, a.probe))
		goto out;
	checks = true;
	if (a.metrics[0] && (metrics_fd = xp_http_listen(a.metrics)) < 0)
		goto out;
	d = api_http_start(&a);
	if (!d)
		goto out;
	if (al.db) {
		ret = pthread_create(&al.thread, NULL, alert_loop, &al);
		if (ret) {
			xp_err("cannot start the alert thread: %s", strerror(ret));
			ret = 1;
			goto out;
		}
		alerting = true;
	}
	/* the registry as a log may show it: never its password */
	xp_redact(a.db_path, where, sizeof(where));
	xp_info("serving on %s (registry %s, alerts %s, %ld servers per account)", a.listen,
		where, a.no_alerts ? "off" : "on", a.max_servers);
	ret = run(&a, &loop, metrics_fd) ? 1 : 0;
out:
	/* a stop ends what waits first: the alert pass, then the checks' callers, then HTTP */
	atomic_store(&a.stopping, true);
	if (alerting)
		pthread_join(al.thread, NULL);
	if (checks)
		api_checks_stop(&a.checks);
	api_http_stop(d);
	if (metrics_fd >= 0)
		close(metrics_fd);
	reg_close(al.db);
	if (pool)
		api_db_close(&a.db);
	api_limit_free(&a.by_account);
	api_limit_free(&a.by_addr);
	api_limit_free(&a.check_fails);
	pool_geo_close(a.geo);
	curl_global_cleanup();
	xp_loop_close(&loop);
	return ret;
}
