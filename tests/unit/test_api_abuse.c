// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* test_api_abuse.c - xpool-api against hostile volunteers: checks, webhooks, errors, secrets. */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <criterion/criterion.h>
#include <jansson.h>

#include "api.h"
#include "api_alert.h"
#include "api_check.h"
#include "api_hook.h"
#include "reg_acct.h"
#include "xp_parse.h"
#include "xp_time.h"
#include "xt_pg.h"

/* ---- the check pool, with a stand-in probe that holds until released ---- */

static pthread_mutex_t gate_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t gate_open = PTHREAD_COND_INITIALIZER;
static bool gate;
static atomic_int probes;

static int held_probe(const char *ip, uint16_t port, int tries, int timeout_ms,
		      struct xp_ntp_reply *out, char *why, size_t n)
{
	(void)port;
	(void)tries;
	(void)timeout_ms;
	atomic_fetch_add(&probes, 1);
	pthread_mutex_lock(&gate_lock);
	while (!gate)
		pthread_cond_wait(&gate_open, &gate_lock);
	pthread_mutex_unlock(&gate_lock);
	memset(out, 0, sizeof(*out));
	out->stratum = 2;
	if (!strcmp(ip, "192.0.2.66")) {
		snprintf(why, n, "no answer");
		return -ETIMEDOUT;
	}
	return 0;
}

struct runner {
	struct api_checks *k;
	long account;
	const char *addr;
	int ret, retry;
	pthread_t t;
};

static void *run_one(void *arg)
{
	struct runner *r = arg;
	struct xp_ntp_reply rep;
	char why[200];

	r->ret = api_check_run(r->k, r->account, r->addr, &rep, why, sizeof(why), &r->retry);
	return NULL;
}

static void wait_probes(int n)
{
	for (int i = 0; i < 500 && atomic_load(&probes) < n; i++)
		usleep(10000);
	cr_assert_eq(atomic_load(&probes), n, "%d probes running", n);
}

Test(api_check, one_per_account_bounded_pool_and_per_target)
{
	static struct api_checks k;
	struct runner r[3] = {{.k = &k, .account = 1, .addr = "192.0.2.1"},
			      {.k = &k, .account = 2, .addr = "192.0.2.66"},
			      {.k = &k, .account = 3, .addr = "192.0.2.3"}};
	struct xp_ntp_reply rep;
	char why[200];
	int retry = 0;

	gate = false;
	atomic_store(&probes, 0);
	cr_assert_eq(api_checks_start(&k, 2, 2, 123, 3, 1000, held_probe), 0);
	/* two workers, both busy on accounts 1 and 2 */
	pthread_create(&r[0].t, NULL, run_one, &r[0]);
	pthread_create(&r[1].t, NULL, run_one, &r[1]);
	wait_probes(2);
	cr_expect_eq(api_check_run(&k, 1, "192.0.2.9", &rep, why, sizeof(why), &retry), -EALREADY,
		     "one check per account");
	cr_expect_eq(retry, 3, "Retry-After: the check's own deadline (3 x 1 s)");
	cr_expect_eq(api_check_run(&k, 3, "192.0.2.3", &rep, why, sizeof(why), &retry), -EBUSY,
		     "every worker busy: refused at once, not queued behind them");
	cr_expect_eq(atomic_load(&k.deferred[API_CHECK_ACCOUNT]), 1);
	cr_expect_eq(atomic_load(&k.deferred[API_CHECK_WORKERS]), 1);
	pthread_mutex_lock(&gate_lock);
	gate = true;
	pthread_cond_broadcast(&gate_open);
	pthread_mutex_unlock(&gate_lock);
	pthread_join(r[0].t, NULL);
	pthread_join(r[1].t, NULL);
	cr_expect_eq(r[0].ret, 0, "a good server passes");
	cr_expect_eq(r[1].ret, -ETIMEDOUT, "a silent one does not");
	/* 2 probes a minute of one address, whoever asks: the third is refused with a wait */
	cr_expect_eq(api_check_run(&k, 3, "192.0.2.1", &rep, why, sizeof(why), &retry), 0);
	cr_expect_eq(api_check_run(&k, 4, "192.0.2.1", &rep, why, sizeof(why), &retry), -EAGAIN);
	cr_expect(retry > 0 && retry <= 30, "Retry-After %d s", retry);
	cr_expect_eq(atomic_load(&k.deferred[API_CHECK_TARGET]), 1);
	api_checks_stop(&k);
	cr_expect_eq(api_check_run(&k, 5, "192.0.2.5", &rep, why, sizeof(why), &retry), -ECANCELED);
}

Test(api_check, a_stop_wakes_the_callers)
{
	static struct api_checks k;
	struct runner r = {.k = &k, .account = 1, .addr = "192.0.2.1"};
	int64_t t0;

	gate = false;
	atomic_store(&probes, 0);
	cr_assert_eq(api_checks_start(&k, 1, 10, 123, 8, 10000, held_probe), 0);
	pthread_create(&r.t, NULL, run_one, &r);
	wait_probes(1);
	t0 = xp_mono_ms();
	api_checks_stop(&k);
	pthread_join(r.t, NULL);
	cr_expect_eq(r.ret, -ECANCELED);
	cr_expect(xp_mono_ms() - t0 < 2000, "the caller answered at the stop, not after 80 s");
	pthread_mutex_lock(&gate_lock);
	gate = true;
	pthread_cond_broadcast(&gate_open);
	pthread_mutex_unlock(&gate_lock);
}

Test(api_limit, a_failed_check_costs_requests)
{
	struct api_limit l;
	int retry = 0;

	cr_assert_eq(api_limit_init(&l, 60), 0);
	cr_expect(api_limit_take(&l, "account 1", 1000, NULL));
	api_limit_charge(&l, "account 1", 200, 1000);
	cr_expect(!api_limit_take(&l, "account 1", 1000, &retry), "in debt");
	cr_expect_eq(retry, 61, "at most a minute of debt, then a token: %d", retry);
	cr_expect(!api_limit_take(&l, "account 1", 60000, NULL));
	cr_expect(api_limit_take(&l, "account 1", 62000, NULL));
	api_limit_free(&l);
}

/* ---- webhooks: no URL and no resolved address inside ---- */

Test(api_hook, inside_urls_refused)
{
	static const char *const bad[] = {
	    "http://169.254.169.254/latest/meta-data/",
	    "http://[::1]:8080/hook",
	    "http://localhost:8080/hook",
	    "http://LOCALHOST./hook",
	    "http://x.localhost/hook",
	    "http://0:8080/hook",
	    "http://2130706433:8080/hook",
	    "http://0x7f.1/hook",
	    "http://127.0.0.1/hook",
	    "http://10.1.2.3/hook",
	    "http://192.168.1.1/hook",
	    "http://[fe80::1]/hook",
	    "http://[::ffff:127.0.0.1]/hook",
	    "http://224.0.0.1/hook",
	    "https://user:secret@hooks.example.org/hook",
	    "ftp://hooks.example.org/hook",
	    "gopher://hooks.example.org/",
	    "http://",
	};
	char why[160];

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		cr_expect_eq(api_hook_url_check(bad[i], false, why, sizeof(why)), -EINVAL, "%s",
			     bad[i]);
		cr_expect(why[0], "a reason for %s", bad[i]);
	}
	cr_expect_eq(api_hook_url_check("https://hooks.example.org/x?y=1", false, why, 160), 0,
		     "%s", why);
	cr_expect_eq(api_hook_url_check("http://8.8.8.8:8080/hook", false, why, 160), 0, "%s", why);
	cr_expect_eq(api_hook_url_check("http://[2a00:1450::1]/hook", false, why, 160), 0, "%s",
		     why);
	cr_expect_eq(api_hook_url_check("http://127.0.0.1:9099/hook", true, why, 160), 0,
		     "a test's local receiver, with test-webhook-local");
}

/* A receiver on 127.0.0.1: answers 200 to each request (count) or never (stall). */
struct receiver {
	int fd;
	uint16_t port;
	bool stall;
	atomic_int got;
	int64_t first_ms;
	pthread_t t;
};

static void *receive(void *arg)
{
	struct receiver *r = arg;
	static const char ok[] =
	    "HTTP/1.1 200 OK\r\nContent-Length: 0\r\nConnection: close\r\n\r\n";
	char buf[4096];

	for (;;) {
		int c = accept(r->fd, NULL, NULL);

		if (c < 0)
			break;
		if (read(c, buf, sizeof(buf)) > 0) {
			if (!atomic_fetch_add(&r->got, 1))
				r->first_ms = xp_mono_ms();
			(void)!write(c, ok, sizeof(ok) - 1);
		}
		close(c);
	}
	return NULL;
}

static void receiver_start(struct receiver *r, bool stall)
{
	struct sockaddr_in sa = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	socklen_t len = sizeof(sa);

	r->stall = stall;
	r->fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	cr_assert(r->fd >= 0);
	cr_assert_eq(bind(r->fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	/* a staller never accepts: the kernel completes the handshakes, nobody answers */
	cr_assert_eq(listen(r->fd, 64), 0);
	getsockname(r->fd, (struct sockaddr *)&sa, &len);
	r->port = ntohs(sa.sin_port);
	if (!stall)
		pthread_create(&r->t, NULL, receive, r);
}

static void receiver_stop(struct receiver *r)
{
	shutdown(r->fd, SHUT_RDWR);
	if (!r->stall)
		pthread_join(r->t, NULL);
	close(r->fd);
}

Test(api_hook, a_name_resolving_inside_is_refused_at_the_call)
{
	struct receiver rx = {0};
	char url[96];
	atomic_bool stop = false;
	struct api_hook h = {.url = url, .secret = "s", .body = "{}"};

	receiver_start(&rx, false);
	/* the text would be refused when given; the call checks what the name resolves to */
	snprintf(url, sizeof(url), "http://localhost:%u/hook", rx.port);
	api_hook_deliver(&h, 1, 2000, false, &stop, NULL, NULL);
	cr_expect_eq(h.result, -EACCES, "%s", h.why);
	cr_expect(strstr(h.why, "not a global unicast address"), "%s", h.why);
	cr_expect_eq(atomic_load(&rx.got), 0, "no connection was made");
	api_hook_deliver(&h, 1, 2000, true, &stop, NULL, NULL);
	cr_expect_eq(h.result, 0, "with test-webhook-local the same call is delivered: %s", h.why);
	cr_expect_eq(atomic_load(&rx.got), 1);
	receiver_stop(&rx);
}

/* ---- the alert pass: ten stalling receivers hold up neither the eleventh nor a stop ---- */

static long account_with_server(struct reg *db, int i, const char *url)
{
	char email[64], ip[32], hash[REG_PWHASH_MAX], secret[REG_SECRET_LEN + 1];
	struct reg_owned s;
	long id;

	snprintf(email, sizeof(email), "v%d@pool.test", i);
	snprintf(ip, sizeof(ip), "192.0.2.%d", i + 1);
	cr_assert_eq(reg_password_hash("correct horse", hash, NULL, 0), 0);
	cr_assert_eq(reg_account_add(db, email, hash, &id), 0, "%s", reg_why(db));
	cr_assert_eq(reg_account_webhook(db, id, url, secret), 0);
	cr_assert_eq(reg_owned_add(db, id, ip, 1000, "de", 5), 0);
	cr_assert_eq(reg_owned_get(db, id, ip, time(NULL), &s), 0);
	/* it was in DNS; with no score now, it has left */
	cr_assert_eq(reg_alert_state_set(db, s.id, REG_ALERT_DNS, API_DNS_IN, time(NULL) - 600), 0);
	return id;
}

struct sweeper {
	struct api *a;
	struct reg *db;
	int ret;
	int64_t ms;
};

static void *sweep(void *arg)
{
	struct sweeper *s = arg;
	int64_t t0 = xp_mono_ms();

	s->ret = api_alert_sweep(s->a, s->db, time(NULL));
	s->ms = xp_mono_ms() - t0;
	return NULL;
}

Test(api_alert, stalling_receivers_hold_up_nobody)
{
	static struct api a = {.retention_days = 90,
			       .webhook_timeout_ms = 4000,
			       .alert_budget = 200,
			       .alert_account_budget = 10,
			       .test_webhook_local = true};
	struct receiver stall = {0}, good = {0};
	char where[512], url[96];
	struct reg *db = xt_reg_fresh(where, sizeof(where));
	struct sweeper s = {.a = &a, .db = db};
	pthread_t t;
	long good_id;
	int64_t t0;

	cr_assert_not_null(db);
	receiver_start(&stall, true);
	receiver_start(&good, false);
	snprintf(url, sizeof(url), "http://127.0.0.1:%u/hook", stall.port);
	for (int i = 1; i <= 10; i++)
		account_with_server(db, i, url);
	snprintf(url, sizeof(url), "http://127.0.0.1:%u/hook", good.port);
	good_id = account_with_server(db, 11, url);
	t0 = xp_mono_ms();
	pthread_create(&t, NULL, sweep, &s);
	pthread_join(t, NULL);
	cr_expect_eq(s.ret, 0, "%s", reg_why(db));
	cr_expect_eq(atomic_load(&good.got), 1, "the eleventh account was told in the same pass");
	/* all at once: the good receiver was called before the stalled calls' deadline, and the
	 * pass took one deadline, not ten */
	cr_expect(good.first_ms - t0 < a.webhook_timeout_ms, "told after %ld ms",
		  (long)(good.first_ms - t0));
	cr_expect(s.ms < 2 * a.webhook_timeout_ms, "the pass took %ld ms", (long)s.ms);
	cr_expect_eq(atomic_load(&a.alerts_sent[0]), 1);
	cr_expect_eq(atomic_load(&a.alerts_failed[0]), 10);
	/* the ten back off: the next pass tries none of them, and tells nobody twice */
	s.ret = -1;
	pthread_create(&t, NULL, sweep, &s);
	pthread_join(t, NULL);
	cr_expect_eq(s.ret, 0);
	cr_expect(s.ms < 1000, "a pass with every failing receiver backing off: %ld ms",
		  (long)s.ms);
	cr_expect_eq(atomic_load(&a.alerts_failed[0]), 10, "no call to a backing-off receiver");
	cr_expect_eq(atomic_load(&a.alerts_deferred), 10);
	cr_expect_eq(atomic_load(&good.got), 1);
	/* a stop during a pass ends it at once; what was not told waits (nothing is lost) */
	memset(a.backoff, 0, sizeof(a.backoff));
	pthread_create(&t, NULL, sweep, &s);
	usleep(300000);
	t0 = xp_mono_ms();
	atomic_store(&a.stopping, true);
	pthread_join(t, NULL);
	cr_expect(xp_mono_ms() - t0 < 1000, "stopped in %ld ms", (long)(xp_mono_ms() - t0));
	cr_expect_eq(atomic_load(&a.alerts_failed[0]), 10, "a cancelled call is not a failure");
	(void)good_id;
	receiver_stop(&stall);
	receiver_stop(&good);
	xt_reg_drop(db, where);
}

/* ---- errors are JSON whatever the request held ---- */

Test(api_routes, errors_are_json_whatever_the_bytes)
{
	static struct api a = {.max_body = 4096};
	static const struct {
		const char *method, *path;
		int status;
	} cases[] = {
	    {"GET", "/\xff\xfe", 404},	       {"GET", "/v1/servers/\xc0\xaf/x", 404},
	    {"\xff\xfe", "/v1/account", 405},  {"GET", "/\xed\xa0\x80", 404},
	    {"GET", "/\x01\x7f\x1b[31m", 404},
	};
	struct api_resp r;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct api_req q = {.method = cases[i].method, .path = cases[i].path};
		json_error_t e;
		json_t *j;

		api_handle(&a, &q, &r);
		cr_expect_eq(r.status, cases[i].status, "case %zu: %d", i, r.status);
		j = r.body ? json_loadb(r.body, r.len, 0, &e) : NULL;
		cr_expect(j && json_is_string(json_object_get(j, "error")),
			  "case %zu: a JSON error, got %.*s", i, (int)r.len, r.body ? r.body : "");
		json_decref(j);
		free(r.body);
	}
}

/* ---- no password in a line a log may show ---- */

Test(xp_redact, uris_and_keywords)
{
	static const struct {
		const char *in, *out;
	} cases[] = {
	    {"postgresql://xpool:s3cret@db.example/xpool",
	     "postgresql://xpool:***@db.example/xpool"},
	    {"postgresql://xpool:p@ss@db/x?sslmode=verify-full",
	     "postgresql://xpool:***@db/x?sslmode=verify-full"},
	    {"postgresql://db/x?user=a&password=s3cret&sslmode=require",
	     "postgresql://db/x?user=a&password=***&sslmode=require"},
	    {"postgresql://a@db/x?PassWord=s3cret", "postgresql://a@db/x?PassWord=***"},
	    {"host=db password='s3 cret' dbname=x", "host=db password=*** dbname=x"},
	    {"host=db sslpassword=s3cret", "host=db sslpassword=***"},
	    {"postgresql://xpool@db/xpool", "postgresql://xpool@db/xpool"},
	    {"/var/lib/xpool/registry.db", "/var/lib/xpool/registry.db"},
	    {"https://u:tok@snap.example/snapshot.json",
	     "https://u:***@snap.example/snapshot.json"},
	    {"postgresql://u:pa?s3ss@h/db", "postgresql://u:***@h/db"},
	    {"postgresql://u:pa#s3ss@h/db", "postgresql://u:***@h/db"},
	    {"postgresql://h/db?pass%77ord=s3cret", "postgresql://h/db?pass%77ord=***"},
	    {"host=db password = s3cret dbname=x", "host=db password =*** dbname=x"},
	    {"host=db password='s3 \\'cret' dbname=x", "host=db password=*** dbname=x"},
	    {"password=s3cret", "password=***"},
	    {"postgres://u:@h/db", "postgres://u:***@h/db"},
	};
	char out[256];

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		xp_redact(cases[i].in, out, sizeof(out));
		cr_expect_str_eq(out, cases[i].out, "%s", cases[i].in);
		cr_expect_null(strstr(out, "s3"), "%s", out);
	}
	xp_redact("postgresql://u:s3cret@h/d", out, 12);
	cr_expect_eq(strlen(out), 11, "bounded by the buffer");
}
