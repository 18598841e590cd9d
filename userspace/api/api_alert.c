// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* api_alert.c - telling volunteers: a server left DNS, came back, or announces a wrong leap. */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include <curl/curl.h>
#include <jansson.h>
#include <sodium.h>

#include "api_alert.h"
#include "xp_log.h"
#include "xp_time.h"
#include "xp_vec.h"

#define MAIL_DEADLINE_MS 10000

int api_alert_next(enum reg_alert_kind k, int stored, const struct reg_alert_row *now,
		   const char **event)
{
	*event = NULL;
	if (k == REG_ALERT_LEAP) {
		int s = now->leap_wrong ? API_LEAP_WRONG : API_LEAP_OK;

		if (s == API_LEAP_WRONG && stored != API_LEAP_WRONG)
			*event = "leap_wrong_day";
		else if (s == API_LEAP_OK && stored == API_LEAP_WRONG)
			*event = "leap_fixed";
		return s;
	}
	if (!now->watched)
		return API_DNS_NEW;
	if (now->in_dns) {
		if (stored == API_DNS_LEFT)
			*event = "back_in_dns";
		return API_DNS_IN;
	}
	if (stored == API_DNS_IN) {
		*event = "left_dns";
		return API_DNS_LEFT;
	}
	return stored == API_DNS_LEFT ? API_DNS_LEFT : API_DNS_NEW;
}

void api_alert_sign(const char *secret, const char *body, size_t len, char out[72])
{
	unsigned char mac[crypto_auth_hmacsha256_BYTES];
	crypto_auth_hmacsha256_state st;

	crypto_auth_hmacsha256_init(&st, (const unsigned char *)secret, strlen(secret));
	crypto_auth_hmacsha256_update(&st, (const unsigned char *)body, len);
	crypto_auth_hmacsha256_final(&st, mac);
	memcpy(out, "sha256=", 7);
	sodium_bin2hex(out + 7, 65, mac, sizeof(mac));
}

static size_t discard(char *p, size_t size, size_t n, void *ctx)
{
	(void)p;
	(void)ctx;
	return size * n;
}

/* POSTs the event to the account's URL, signed: 0, or -EIO after logging why. */
static int webhook(struct api *a, const struct reg_account *acct, const char *body)
{
	char sig[72], head[96];
	struct curl_slist *h = NULL;
	long code = 0;
	CURLcode rc;
	CURL *c = curl_easy_init();

	if (!c)
		return -ENOMEM;
	api_alert_sign(acct->webhook_secret, body, strlen(body), sig);
	snprintf(head, sizeof(head), "X-Xpool-Signature: %s", sig);
	h = curl_slist_append(h, "Content-Type: application/json");
	h = curl_slist_append(h, head);
	h = curl_slist_append(h, "User-Agent: xpool-api");
	curl_easy_setopt(c, CURLOPT_URL, acct->webhook_url);
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
	curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
	curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, a->webhook_timeout_ms);
	curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, a->webhook_timeout_ms);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, discard);
	rc = curl_easy_perform(c);
	if (rc == CURLE_OK)
		curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &code);
	curl_slist_free_all(h);
	curl_easy_cleanup(c);
	if (rc != CURLE_OK || code < 200 || code > 299) {
		xp_warn("webhook for %s: %s", acct->email,
			rc != CURLE_OK ? curl_easy_strerror(rc) : "the receiver did not answer 2xx");
		return -EIO;
	}
	return 0;
}

/* Hands the message to the host's sendmail: 0, or -EIO after logging why. */
static int sendmail(struct api *a, const char *to, const char *msg)
{
	int in[2], status = 0;
	size_t off = 0, len = strlen(msg);
	int64_t end = xp_mono_ms() + MAIL_DEADLINE_MS;
	pid_t pid;

	/* built before the fork: the child of a threaded process only calls what is safe there */
	char *argv[] = {a->sendmail, (char *)"-oi", (char *)"-f", a->mail_from, (char *)"--",
			(char *)to, NULL};
	sigset_t none;

	sigemptyset(&none);
	if (pipe2(in, O_CLOEXEC))
		return -errno;
	pid = fork();
	if (pid < 0) {
		close(in[0]);
		close(in[1]);
		return -errno;
	}
	if (pid == 0) {
		/* the recipient was checked (no leading '-', no spaces); "--" ends the options */
		dup2(in[0], 0);
		/* the MTA gets the signals the daemon keeps for its signalfd, and SIGPIPE */
		sigprocmask(SIG_SETMASK, &none, NULL);
		signal(SIGPIPE, SIG_DFL);
		execv(a->sendmail, argv);
		_exit(127);
	}
	close(in[0]);
	fcntl(in[1], F_SETFL, O_NONBLOCK);
	while (off < len && xp_mono_ms() < end) {
		struct pollfd p = {.fd = in[1], .events = POLLOUT};
		ssize_t n;

		if (poll(&p, 1, (int)(end - xp_mono_ms())) <= 0)
			continue;
		n = write(in[1], msg + off, len - off);
		if (n < 0)
			break;
		off += (size_t)n;
	}
	close(in[1]);
	/* the MTA's deadline: one that hangs is killed, not waited for */
	while (waitpid(pid, &status, WNOHANG) == 0) {
		if (xp_mono_ms() >= end) {
			kill(pid, SIGKILL);
			waitpid(pid, &status, 0);
			xp_warn("sendmail to %s: no answer in %d ms, killed", to, MAIL_DEADLINE_MS);
			return -ETIMEDOUT;
		}
		usleep(10000);
	}
	if (off < len || !WIFEXITED(status) || WEXITSTATUS(status)) {
		xp_warn("sendmail to %s: %s exit status %d", to, a->sendmail,
			WIFEXITED(status) ? WEXITSTATUS(status) : -1);
		return -EIO;
	}
	return 0;
}

static const char *describe(const char *event)
{
	if (!strcmp(event, "left_dns"))
		return "left the pool's DNS: its score fell below 10";
	if (!strcmp(event, "back_in_dns"))
		return "is back in the pool's DNS";
	if (!strcmp(event, "leap_wrong_day"))
		return "announces a leap second on the wrong day";
	return "no longer announces a wrong leap second";
}

/* Tells the owner by webhook and by mail: 0 when at least one of them took the message. */
static int tell(struct api *a, const struct reg_account *acct, const struct reg_alert_row *s,
		const char *event, time_t now)
{
	char when[32], *body, msg[2048], date[64];
	bool told = false;
	json_t *j;

	strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", gmtime(&now));
	j = json_pack("{s:s, s:s, s:o, s:s, s:s}", "event", event, "server", s->ip, "score",
		      isnan(s->score) ? json_null() : json_real(s->score), "time", when, "account",
		      acct->email);
	body = j ? json_dumps(j, JSON_COMPACT | JSON_REAL_PRECISION(10)) : NULL;
	json_decref(j);
	if (!body)
		return -ENOMEM;
	if (acct->webhook_url[0]) {
		int ok = !webhook(a, acct, body);

		atomic_fetch_add(ok ? &a->alerts_sent[0] : &a->alerts_failed[0], 1);
		told |= ok;
	}
	free(body);
	if (a->sendmail[0]) {
		int ok;

		strftime(date, sizeof(date), "%a, %d %b %Y %H:%M:%S +0000", gmtime(&now));
		snprintf(msg, sizeof(msg),
			 "From: xpool <%s>\nTo: <%s>\nSubject: [xpool] %s %s\nDate: %s\n"
			 "Auto-Submitted: auto-generated\nContent-Type: text/plain; charset=utf-8\n"
			 "X-Xpool-Event: %s\n\n"
			 "Your NTP pool server %s %s.\nScore now: %.1f (event %s, %s).\n\n"
			 "Its recent checks: GET /v1/servers/%s/scores\n",
			 a->mail_from, acct->email, s->ip, describe(event), date, event, s->ip,
			 describe(event), isnan(s->score) ? 0.0 : s->score, event, when, s->ip);
		ok = !sendmail(a, acct->email, msg);
		atomic_fetch_add(ok ? &a->alerts_sent[1] : &a->alerts_failed[1], 1);
		told |= ok;
	}
	return told ? 0 : -EIO;
}

struct sweep {
	struct api *a;
	struct reg *r;
	time_t now;
	struct reg_alert_row *rows;
	size_t n, cap;
};

static int collect(void *ctx, const struct reg_alert_row *row)
{
	struct sweep *s = ctx;
	struct reg_alert_row *p = xp_vec_room(s->rows, s->n, &s->cap, sizeof(*p), 64);

	if (!p)
		return -ENOMEM;
	s->rows = p;
	s->rows[s->n++] = *row;
	return 0;
}

/* One server and kind: the new state stored; a change that is news told at most daily. */
static int step(struct sweep *s, const struct reg_alert_row *row, enum reg_alert_kind k)
{
	struct reg_account acct;
	const char *event;
	int next = api_alert_next(k, row->state[k], row, &event), ret = 0;
	time_t sent = 0;

	if (next == row->state[k])
		return 0;
	if (event) {
		ret = reg_alert_sent_get(s->r, row->server_id, k, next, &sent);
		if (!ret)
			ret = reg_account_get(s->r, row->account, &acct);
		if (ret)
			return ret;
		if (acct.disabled || (sent && s->now - sent < API_ALERT_EVERY)) {
			atomic_fetch_add(&s->a->alerts_suppressed, 1);
		} else {
			xp_info("alert: %s %s for %s", row->ip, event, acct.email);
			/* nobody took it (receiver and MTA down): the state waits, the next pass
			 * tries again */
			if (tell(s->a, &acct, row, event, s->now))
				return 0;
			ret = reg_alert_sent_set(s->r, row->server_id, k, next, s->now);
		}
	}
	return ret ? ret : reg_alert_state_set(s->r, row->server_id, k, next, s->now);
}

int api_alert_sweep(struct api *a, struct reg *r, time_t now)
{
	struct sweep s = {.a = a, .r = r, .now = now};
	long purged = 0;
	int ret;

	/* deleted servers past the retention period go, with their history */
	ret = reg_purge_deleted(r, now - a->retention_days * 86400, &purged);
	if (!ret && purged)
		xp_info("%ld deleted server(s) purged after %ld days", purged, a->retention_days);
	/* read first, then tell: no statement stays open while a webhook waits */
	if (!ret)
		ret = reg_alert_scan(r, now, collect, &s);
	for (size_t i = 0; !ret && i < s.n; i++) {
		ret = step(&s, &s.rows[i], REG_ALERT_DNS);
		if (!ret)
			ret = step(&s, &s.rows[i], REG_ALERT_LEAP);
	}
	free(s.rows);
	return ret;
}
