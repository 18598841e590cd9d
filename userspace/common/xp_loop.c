// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* xp_loop.c - the daemons' one event loop: fds, timers, signals, sd_notify and its watchdog. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/signalfd.h>
#include <unistd.h>
#include <systemd/sd-daemon.h>

#include "xp_log.h"
#include "xp_loop.h"
#include "xp_time.h"

static void on_signal(struct xp_loop *l, struct xp_loop_fd *h, uint32_t events)
{
	struct signalfd_siginfo si;

	(void)events;
	while (read(h->fd, &si, sizeof(si)) == sizeof(si)) {
		if (si.ssi_signo == SIGHUP && l->reload) {
			l->reload(l->reload_ctx);
			continue;
		}
		xp_info("signal %u: shutting down", si.ssi_signo);
		l->signo = (int)si.ssi_signo;
		atomic_store(&l->stopping, true);
	}
}

static void on_stop(struct xp_loop *l, struct xp_loop_fd *h, uint32_t events)
{
	uint64_t v;

	(void)l;
	(void)events;
	(void)!read(h->fd, &v, sizeof(v));
}

int xp_loop_init(struct xp_loop *l, void (*reload)(void *ctx), void *ctx)
{
	sigset_t mask;
	int ret = 0;

	memset(l, 0, sizeof(*l));
	l->ep = l->sig_fd = l->stop_fd = -1;
	l->reload = reload;
	l->reload_ctx = ctx;
	for (int t = 0; t < XP_LOOP_TIMERS; t++)
		l->timers[t].deadline = -1;
	sigemptyset(&mask);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGTERM);
	if (reload)
		sigaddset(&mask, SIGHUP);
	/* blocked: the signals reach the signalfd only, in every thread started after this */
	ret = -pthread_sigmask(SIG_BLOCK, &mask, NULL);
	if (ret)
		goto out;
	l->sig_fd = signalfd(-1, &mask, SFD_CLOEXEC | SFD_NONBLOCK);
	l->stop_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	l->ep = epoll_create1(EPOLL_CLOEXEC);
	if (l->sig_fd < 0 || l->stop_fd < 0 || l->ep < 0) {
		ret = -errno;
		goto out;
	}
	l->sig_h = (struct xp_loop_fd){.fd = l->sig_fd, .fn = on_signal};
	l->stop_h = (struct xp_loop_fd){.fd = l->stop_fd, .fn = on_stop};
	ret = xp_loop_add(l, &l->sig_h, EPOLLIN);
	if (!ret)
		ret = xp_loop_add(l, &l->stop_h, EPOLLIN);
	if (sd_watchdog_enabled(0, &l->watchdog_usec) <= 0)
		l->watchdog_usec = 0;
	l->watchdog_next = xp_mono_ms() + (int64_t)(l->watchdog_usec / 2000);
out:
	if (ret)
		xp_loop_close(l);
	return ret;
}

void xp_loop_close(struct xp_loop *l)
{
	if (l->ep >= 0)
		close(l->ep);
	if (l->sig_fd >= 0)
		close(l->sig_fd);
	if (l->stop_fd >= 0)
		close(l->stop_fd);
	l->ep = l->sig_fd = l->stop_fd = -1;
}

int xp_loop_add(struct xp_loop *l, struct xp_loop_fd *h, uint32_t events)
{
	struct epoll_event ev = {.events = events, .data.ptr = h};

	return epoll_ctl(l->ep, EPOLL_CTL_ADD, h->fd, &ev) ? -errno : 0;
}

void xp_loop_del(struct xp_loop *l, struct xp_loop_fd *h)
{
	epoll_ctl(l->ep, EPOLL_CTL_DEL, h->fd, NULL);
	/* an event of this batch not dispatched yet is not either */
	for (int i = 0; i < l->n_batch; i++)
		if (l->batch[i].data.ptr == h)
			l->batch[i].data.ptr = NULL;
}

int xp_loop_timer(struct xp_loop *l, void (*fn)(struct xp_loop *l, void *ctx), void *ctx)
{
	for (int t = 0; t < XP_LOOP_TIMERS; t++)
		if (!l->timers[t].used) {
			l->timers[t] = (struct xp_loop_timer){
			    .deadline = -1, .fn = fn, .ctx = ctx, .used = true};
			return t;
		}
	return -ENOSPC;
}

void xp_loop_timer_at(struct xp_loop *l, int t, int64_t deadline, int64_t period)
{
	l->timers[t].deadline = deadline < 0 ? -1 : deadline;
	l->timers[t].period = period > 0 ? period : 0;
}

/* The next moment something is due: a timer (not running) or the watchdog; -1 for none. */
static int64_t next_due(const struct xp_loop *l)
{
	int64_t due = l->watchdog_usec ? l->watchdog_next : -1;

	for (int t = 0; t < XP_LOOP_TIMERS; t++) {
		const struct xp_loop_timer *tm = &l->timers[t];

		if (tm->used && !tm->running && tm->deadline >= 0 &&
		    (due < 0 || tm->deadline < due))
			due = tm->deadline;
	}
	return due;
}

/* Due timers, each once, earliest deadline first. */
static void fire_timers(struct xp_loop *l, int64_t now)
{
	unsigned fired = 0;

	for (;;) {
		struct xp_loop_timer *tm = NULL;
		int pick = -1;

		for (int t = 0; t < XP_LOOP_TIMERS; t++) {
			struct xp_loop_timer *c = &l->timers[t];

			if (!c->used || c->running || c->deadline < 0 || c->deadline > now ||
			    (fired & (1u << t)))
				continue;
			if (!tm || c->deadline < tm->deadline) {
				tm = c;
				pick = t;
			}
		}
		if (!tm || xp_loop_stopping(l))
			return;
		fired |= 1u << pick;
		if (tm->period) {
			tm->deadline += tm->period;
			if (tm->deadline <= now) /* late by more than a period: once, not a pile */
				tm->deadline = now + tm->period;
		} else {
			tm->deadline = -1;
		}
		tm->running = true;
		tm->fn(l, tm->ctx);
		tm->running = false;
	}
}

int xp_loop_turn(struct xp_loop *l, int timeout_ms)
{
	struct epoll_event saved[XP_LOOP_BATCH];
	int64_t now = xp_mono_ms(), due = next_due(l);
	int n, saved_n = l->n_batch, wait = timeout_ms;

	if (due >= 0 && (wait < 0 || due - now < wait))
		wait = due > now ? (int)(due - now) : 0;
	/* a turn inside a callback (the monitor's round) keeps the outer batch */
	if (saved_n)
		memcpy(saved, l->batch, sizeof(saved[0]) * saved_n);
	n = epoll_wait(l->ep, l->batch, XP_LOOP_BATCH, wait);
	if (n < 0) {
		int ret = -errno;

		l->n_batch = saved_n;
		if (saved_n)
			memcpy(l->batch, saved, sizeof(saved[0]) * saved_n);
		return ret == -EINTR ? 0 : ret;
	}
	l->n_batch = n;
	for (int i = 0; i < n; i++) {
		struct xp_loop_fd *h = l->batch[i].data.ptr;

		if (h)
			h->fn(l, h, l->batch[i].events);
	}
	l->n_batch = saved_n;
	if (saved_n)
		memcpy(l->batch, saved, sizeof(saved[0]) * saved_n);
	now = xp_mono_ms();
	if (l->watchdog_usec && now >= l->watchdog_next) {
		if (!l->unhealthy)
			sd_notify(0, "WATCHDOG=1");
		l->watchdog_next = now + (int64_t)(l->watchdog_usec / 2000);
	}
	fire_timers(l, now);
	return 0;
}

int xp_loop_run(struct xp_loop *l)
{
	int ret = 0;

	sd_notify(0, "READY=1");
	while (!ret && !xp_loop_stopping(l))
		ret = xp_loop_turn(l, -1);
	sd_notify(0, "STOPPING=1");
	return ret;
}

void xp_loop_stop(struct xp_loop *l)
{
	uint64_t one = 1;

	atomic_store(&l->stopping, true);
	(void)!write(l->stop_fd, &one, sizeof(one));
}

void xp_loop_healthy(struct xp_loop *l, bool ok)
{
	l->unhealthy = !ok;
}

void xp_loop_status(const char *fmt, ...)
{
	char buf[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	sd_notifyf(0, "STATUS=%s", buf);
}
