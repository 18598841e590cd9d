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
#include <jansson.h>

#include "api_alert.h"
#include "api_hook.h"
#include "pool_rules.h"
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
	while (off < len && xp_mono_ms() < end && !atomic_load(&a->stopping)) {
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
	/* the MTA's deadline: one that hangs is killed, not waited for (nor at a stop) */
	while (waitpid(pid, &status, WNOHANG) == 0) {
		if (atomic_load(&a->stopping)) {
			kill(pid, SIGKILL);
			waitpid(pid, &status, 0);
			return -ECANCELED;
		}
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
		return "left the pool's DNS: its score fell below " POOL_MIN_SCORE_TEXT;
	if (!strcmp(event, "back_in_dns"))
		return "is back in the pool's DNS";
	if (!strcmp(event, "leap_wrong_day"))
		return "announces a leap second on the wrong day";
	return "no longer announces a wrong leap second";
}

/* The webhook's body for one change. NULL when out of memory. */
static char *hook_body(const struct reg_account *acct, const struct reg_alert_row *s,
		       const char *event, time_t now)
{
	char when[32], *body;
	json_t *j;

	strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", gmtime(&now));
	j = json_pack("{s:s, s:s, s:o, s:s, s:s}", "event", event, "server", s->ip, "score",
		      isnan(s->score) ? json_null() : json_real(s->score), "time", when, "account",
		      acct->email);
	body = j ? json_dumps(j, JSON_COMPACT | JSON_REAL_PRECISION(10)) : NULL;
	json_decref(j);
	return body;
}

/* Tells the owner by mail: 0, or -errno after logging why. */
static int mail(struct api *a, const struct reg_account *acct, const struct reg_alert_row *s,
		const char *event, time_t now)
{
	char when[32], msg[2048], date[64];

	strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", gmtime(&now));
	strftime(date, sizeof(date), "%a, %d %b %Y %H:%M:%S +0000", gmtime(&now));
	snprintf(msg, sizeof(msg),
		 "From: xpool <%s>\nTo: <%s>\nSubject: [xpool] %s %s\nDate: %s\n"
		 "Auto-Submitted: auto-generated\nContent-Type: text/plain; charset=utf-8\n"
		 "X-Xpool-Event: %s\n\n"
		 "Your NTP pool server %s %s.\nScore now: %.1f (event %s, %s).\n\n"
		 "Its recent checks: GET /v1/servers/%s/scores\n",
		 a->mail_from, acct->email, s->ip, describe(event), date, event, s->ip,
		 describe(event), isnan(s->score) ? 0.0 : s->score, event, when, s->ip);
	return sendmail(a, acct->email, msg);
}

/* The account's slot in the backoff table, or (make) NULL. */
static struct api_backoff *backoff_of(struct api *a, long account, bool make)
{
	struct api_backoff *free_slot = NULL, *oldest = NULL;

	for (int i = 0; i < API_BACKOFF_SLOTS; i++) {
		struct api_backoff *b = &a->backoff[i];

		if (b->account == account)
			return b;
		if (!b->account && !free_slot)
			free_slot = b;
		if (b->account && (!oldest || b->next < oldest->next))
			oldest = b;
	}
	if (!make)
		return NULL;
	/* a full table forgets the account due soonest: it is tried as if it had not failed */
	free_slot = free_slot ? free_slot : oldest;
	*free_slot = (struct api_backoff){.account = account};
	return free_slot;
}

/* Nobody took the account's alert: it waits 1, 2, 4 ... minutes, at most API_BACKOFF_MAX. */
static void backoff_failed(struct api *a, long account, time_t now)
{
	struct api_backoff *b = backoff_of(a, account, true);
	long wait = API_BACKOFF_FIRST;

	for (int i = 0; i < b->failures && wait < API_BACKOFF_MAX; i++)
		wait *= 2;
	b->failures++;
	b->next = now + (wait < API_BACKOFF_MAX ? wait : API_BACKOFF_MAX);
	xp_warn("alerts for account %ld: nobody took them (%d time(s) in a row); next try in %ld s",
		account, b->failures, (long)(b->next - now));
}

struct sweep {
	struct api *a;
	struct reg *r;
	time_t now;
	struct reg_alert_row *rows;
	size_t n, cap;
};

/* One message to tell: a server's change of state, and how it went. */
struct pending {
	const struct reg_alert_row *row;
	enum reg_alert_kind k;
	int next;
	const char *event;
	struct reg_account acct;
	char *body;
	bool told, tried; /* by either channel */
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

/*
 * One server and kind: a change that is not news is stored at once; news goes to todo (within
 * the pass's budget and the account's, unless its receivers are backing off), or waits.
 */
static int step(struct sweep *s, const struct reg_alert_row *row, enum reg_alert_kind k,
		struct pending *todo, size_t *n_todo)
{
	struct api *a = s->a;
	struct api_backoff *b;
	struct reg_account acct;
	const char *event;
	int next = api_alert_next(k, row->state[k], row, &event), ret = 0;
	time_t sent = 0;
	long mine = 0;

	if (next == row->state[k])
		return 0;
	if (!event)
		return reg_alert_state_set(s->r, row->server_id, k, next, s->now);
	ret = reg_alert_sent_get(s->r, row->server_id, k, next, &sent);
	if (!ret)
		ret = reg_account_get(s->r, row->account, &acct);
	if (ret)
		return ret;
	if (acct.disabled || (sent && s->now - sent < API_ALERT_EVERY)) {
		atomic_fetch_add(&a->alerts_suppressed, 1);
		return reg_alert_state_set(s->r, row->server_id, k, next, s->now);
	}
	for (size_t i = 0; i < *n_todo; i++)
		mine += todo[i].acct.id == acct.id;
	b = backoff_of(a, acct.id, false);
	/* the state waits: a later pass tells it */
	if ((b && s->now < b->next) || (long)*n_todo >= a->alert_budget ||
	    mine >= a->alert_account_budget) {
		atomic_fetch_add(&a->alerts_deferred, 1);
		return 0;
	}
	todo[*n_todo] = (struct pending){.row = row, .k = k, .next = next, .event = event,
					 .acct = acct};
	todo[*n_todo].body = hook_body(&acct, row, event, s->now);
	if (!todo[*n_todo].body)
		return -ENOMEM;
	(*n_todo)++;
	return 0;
}

/* A webhook call ended: counted and its failure logged now, not when the slowest ends. */
static void hook_done(struct api_hook *h, void *ctx)
{
	struct api *a = ctx;

	char origin[160];

	atomic_fetch_add(h->result ? &a->alerts_failed[0] : &a->alerts_sent[0], 1);
	if (h->result == -EACCES)
		atomic_fetch_add(&a->webhooks_refused, 1);
	if (h->result) {
		/* scheme, host and port only: a webhook's path often holds its own secret */
		api_hook_origin(h->url, origin, sizeof(origin));
		xp_warn("webhook %s: %s", origin, h->why);
	}
}

/* Tells every pending message: the webhooks all at once, then the mails. */
static int tell_all(struct sweep *s, struct pending *todo, size_t n)
{
	struct api *a = s->a;
	struct api_hook *hooks = calloc(n ? n : 1, sizeof(*hooks));
	size_t n_hooks = 0;
	bool mta_down = false;
	int ret = 0;

	if (!hooks)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++) {
		xp_info("alert: %s %s for %s", todo[i].row->ip, todo[i].event, todo[i].acct.email);
		if (!todo[i].acct.webhook_url[0])
			continue;
		hooks[n_hooks] = (struct api_hook){.url = todo[i].acct.webhook_url,
						   .secret = todo[i].acct.webhook_secret,
						   .body = todo[i].body};
		n_hooks++;
	}
	api_hook_deliver(hooks, n_hooks, a->webhook_timeout_ms, a->test_webhook_local,
			 &a->stopping, hook_done, a);
	for (size_t i = 0, h = 0; i < n; i++) {
		struct pending *p = &todo[i];
		int r = 0;

		if (p->acct.webhook_url[0]) {
			struct api_hook *k = &hooks[h++];

			p->tried = k->result != -ECANCELED;
			p->told = !k->result;
		}
		/* one MTA that hangs costs one deadline a pass, not one a message */
		if (a->sendmail[0] && !mta_down && !atomic_load(&a->stopping)) {
			int m = mail(a, &p->acct, p->row, p->event, s->now);

			if (m == -ETIMEDOUT)
				mta_down = true;
			if (m != -ECANCELED) {
				p->tried = true;
				atomic_fetch_add(!m ? &a->alerts_sent[1] : &a->alerts_failed[1], 1);
				p->told |= !m;
			}
		}
		if (!p->told)
			continue;
		/* a write that fails does not stop the others being recorded (nothing told twice
		 * that can be helped); the first error is the pass's */
		r = reg_alert_sent_set(s->r, p->row->server_id, p->k, p->next, s->now);
		if (!r)
			r = reg_alert_state_set(s->r, p->row->server_id, p->k, p->next, s->now);
		ret = ret ?: r;
	}
	/* once per account and pass: told anything, its backoff ends; tried and told nothing, it
	 * backs off one step (the state waits) */
	for (size_t i = 0; i < n; i++) {
		bool told = false, tried = false, first = true;

		for (size_t j = 0; j < n; j++) {
			if (todo[j].acct.id != todo[i].acct.id)
				continue;
			first &= j >= i;
			told |= todo[j].told;
			tried |= todo[j].tried;
		}
		if (!first)
			continue;
		if (told) {
			struct api_backoff *b = backoff_of(a, todo[i].acct.id, false);

			if (b)
				b->account = 0;
		} else if (tried) {
			backoff_failed(a, todo[i].acct.id, s->now);
		}
	}
	free(hooks);
	return ret;
}

int api_alert_sweep(struct api *a, struct reg *r, time_t now)
{
	struct sweep s = {.a = a, .r = r, .now = now};
	struct pending *todo = NULL;
	size_t n_todo = 0;
	long purged = 0;
	int ret;

	/* deleted servers past the retention period go, with their history */
	ret = reg_purge_deleted(r, now - a->retention_days * 86400, &purged);
	if (!ret && purged)
		xp_info("%ld deleted server(s) purged after %ld days", purged, a->retention_days);
	/* read first, then tell: no statement stays open while a webhook waits */
	if (!ret)
		ret = reg_alert_scan(r, now, collect, &s);
	if (!ret && s.n) {
		todo = calloc((size_t)a->alert_budget, sizeof(*todo));
		ret = todo ? 0 : -ENOMEM;
	}
	for (size_t i = 0; !ret && i < s.n; i++) {
		ret = step(&s, &s.rows[i], REG_ALERT_DNS, todo, &n_todo);
		if (!ret)
			ret = step(&s, &s.rows[i], REG_ALERT_LEAP, todo, &n_todo);
	}
	if (!ret && n_todo)
		ret = tell_all(&s, todo, n_todo);
	for (size_t i = 0; i < n_todo; i++)
		free(todo[i].body);
	free(todo);
	free(s.rows);
	return ret;
}
