// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* test_loop.c - the daemons' event loop: timers, fds, signals, a stop, errors, the watchdog. */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>
#include <criterion/criterion.h>

#include "xp_loop.h"
#include "xp_time.h"

struct fired {
	int n, order[4];
	int64_t at[4];
};

struct tick {
	struct fired *f;
	int id;
	int stop_after; /* stops the loop after this many fired */
};

static void on_tick(struct xp_loop *l, void *ctx)
{
	struct tick *t = ctx;

	t->f->at[t->f->n] = xp_mono_ms();
	t->f->order[t->f->n++] = t->id;
	if (t->f->n == t->stop_after)
		xp_loop_stop(l);
}

/* Three timers armed out of order fire earliest deadline first, none before its deadline. */
Test(xp_loop, timers_fire_in_order_within_their_deadlines, .timeout = 30)
{
	static const int64_t in[3] = {60, 20, 40};
	struct xp_loop l;
	struct fired f = {0};
	struct tick t[3];
	int64_t t0, deadline[3];

	unsetenv("NOTIFY_SOCKET");
	cr_assert_eq(xp_loop_init(&l, NULL, NULL), 0);
	t0 = xp_mono_ms();
	for (int i = 0; i < 3; i++) {
		int id;

		t[i] = (struct tick){.f = &f, .id = i, .stop_after = 3};
		id = xp_loop_timer(&l, on_tick, &t[i]);
		cr_assert_geq(id, 0);
		deadline[i] = t0 + in[i];
		xp_loop_timer_at(&l, id, deadline[i], 0);
	}
	cr_assert_eq(xp_loop_run(&l), 0);
	xp_loop_close(&l);
	cr_assert_eq(f.n, 3, "each once-timer fired once");
	cr_expect_eq(f.order[0], 1);
	cr_expect_eq(f.order[1], 2);
	cr_expect_eq(f.order[2], 0);
	for (int k = 0; k < 3; k++)
		cr_expect_geq(f.at[k], deadline[f.order[k]], "timer %d fired before its deadline",
			      f.order[k]);
}

/* A periodic timer keeps firing, one period apart at least; a late one does not pile up. */
Test(xp_loop, a_periodic_timer_repeats, .timeout = 30)
{
	struct xp_loop l;
	struct fired f = {0};
	struct tick t = {.f = &f, .stop_after = 4};
	int64_t t0;
	int id;

	unsetenv("NOTIFY_SOCKET");
	cr_assert_eq(xp_loop_init(&l, NULL, NULL), 0);
	id = xp_loop_timer(&l, on_tick, &t);
	t0 = xp_mono_ms();
	xp_loop_timer_at(&l, id, t0, 30);
	cr_assert_eq(xp_loop_run(&l), 0);
	xp_loop_close(&l);
	cr_assert_eq(f.n, 4);
	cr_expect_geq(f.at[3] - t0, 90, "three periods of 30 ms between the first and the fourth");
}

struct readable {
	int fd, calls;
	char got[8];
};

static void on_readable(struct xp_loop *l, struct xp_loop_fd *h, uint32_t events)
{
	struct readable *r = h->ctx;

	cr_expect(events & EPOLLIN);
	if (read(h->fd, r->got, sizeof(r->got) - 1) > 0)
		r->calls++;
	xp_loop_stop(l);
}

Test(xp_loop, an_fd_callback_runs, .timeout = 30)
{
	struct readable r = {0};
	struct xp_loop l;
	struct xp_loop_fd h;
	int p[2];

	unsetenv("NOTIFY_SOCKET");
	cr_assert_eq(pipe(p), 0);
	cr_assert_eq(xp_loop_init(&l, NULL, NULL), 0);
	h = (struct xp_loop_fd){.fd = p[0], .fn = on_readable, .ctx = &r};
	cr_assert_eq(xp_loop_add(&l, &h, EPOLLIN), 0);
	cr_assert_eq(write(p[1], "hi", 2), 2);
	cr_assert_eq(xp_loop_run(&l), 0);
	cr_expect_eq(r.calls, 1);
	cr_expect_str_eq(r.got, "hi");
	/* removed: no more calls, however readable the fd is */
	xp_loop_del(&l, &h);
	cr_assert_eq(write(p[1], "x", 1), 1);
	cr_assert_eq(xp_loop_turn(&l, 10), 0);
	cr_expect_eq(r.calls, 1);
	xp_loop_close(&l);
	close(p[0]);
	close(p[1]);
}

static void send_term(struct xp_loop *l, void *ctx)
{
	(void)l;
	(void)ctx;
	kill(getpid(), SIGTERM);
}

/* SIGTERM (blocked by the loop, read from its signalfd) stops it: 0, not a death. */
Test(xp_loop, a_signal_stops_the_loop, .timeout = 30)
{
	struct xp_loop l;
	int id;

	unsetenv("NOTIFY_SOCKET");
	cr_assert_eq(xp_loop_init(&l, NULL, NULL), 0);
	id = xp_loop_timer(&l, send_term, NULL);
	xp_loop_timer_at(&l, id, xp_mono_ms() + 10, 0);
	cr_assert_eq(xp_loop_run(&l), 0);
	cr_expect_eq(l.signo, SIGTERM);
	xp_loop_close(&l);
}

static void send_hup(struct xp_loop *l, void *ctx)
{
	(void)l;
	(void)ctx;
	kill(getpid(), SIGHUP);
}

static void reload(void *ctx)
{
	int *n = ctx;

	(*n)++;
	kill(getpid(), SIGINT);
}

/* SIGHUP, for a daemon that reloads, is its reload: the loop goes on (then SIGINT stops it). */
Test(xp_loop, sighup_reloads, .timeout = 30)
{
	struct xp_loop l;
	int reloads = 0, id;

	unsetenv("NOTIFY_SOCKET");
	cr_assert_eq(xp_loop_init(&l, reload, &reloads), 0);
	id = xp_loop_timer(&l, send_hup, NULL);
	xp_loop_timer_at(&l, id, xp_mono_ms(), 0);
	cr_assert_eq(xp_loop_run(&l), 0);
	cr_expect_eq(reloads, 1);
	cr_expect_eq(l.signo, SIGINT);
	xp_loop_close(&l);
}

static void *stopper(void *arg)
{
	usleep(20 * 1000);
	xp_loop_stop(arg);
	return NULL;
}

/* A stop from another thread wakes a loop that waits for nothing else. */
Test(xp_loop, a_stop_from_another_thread, .timeout = 30)
{
	struct xp_loop l;
	pthread_t th;

	unsetenv("NOTIFY_SOCKET");
	cr_assert_eq(xp_loop_init(&l, NULL, NULL), 0);
	cr_assert_eq(pthread_create(&th, NULL, stopper, &l), 0);
	cr_assert_eq(xp_loop_run(&l), 0);
	pthread_join(th, NULL);
	xp_loop_close(&l);
}

/* A wait that fails is the loop's end with -errno (the daemon logs it, exits non-zero). */
Test(xp_loop, a_poll_error_is_returned, .timeout = 30)
{
	struct xp_loop l;
	int null = open("/dev/null", O_RDONLY | O_CLOEXEC);

	unsetenv("NOTIFY_SOCKET");
	cr_assert_geq(null, 0);
	cr_assert_eq(xp_loop_init(&l, NULL, NULL), 0);
	/* the loop's epoll becomes a file that is no epoll: epoll_wait fails with EINVAL */
	cr_assert_eq(dup2(null, l.ep), l.ep);
	cr_expect_eq(xp_loop_run(&l), -EINVAL);
	cr_expect_eq(xp_loop_turn(&l, 0), -EINVAL);
	xp_loop_close(&l);
	close(null);
}

struct notify {
	int fd;
	char seen[2048];
	size_t len;
	int watchdogs;
};

static void on_notify(struct xp_loop *l, struct xp_loop_fd *h, uint32_t events)
{
	struct notify *n = h->ctx;
	char buf[256];
	ssize_t len;

	(void)events;
	while ((len = recv(h->fd, buf, sizeof(buf) - 1, MSG_DONTWAIT)) > 0) {
		buf[len] = 0;
		if (strstr(buf, "WATCHDOG=1"))
			n->watchdogs++;
		if (n->len + len + 2 < sizeof(n->seen)) {
			memcpy(n->seen + n->len, buf, len);
			n->len += len;
			n->seen[n->len++] = '\n';
			n->seen[n->len] = 0;
		}
	}
	if (n->watchdogs == 2)
		xp_loop_stop(l);
}

static void end_run(struct xp_loop *l, void *ctx)
{
	(void)ctx;
	xp_loop_stop(l);
}

/* A notify socket of the test's own, as systemd's: the loop's messages arrive there. */
static int notify_socket(char *path, size_t n)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);

	snprintf(path, n, "/tmp/xp-loop-test-%d.sock", (int)getpid());
	unlink(path);
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	cr_assert_geq(fd, 0);
	cr_assert_eq(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	setenv("NOTIFY_SOCKET", path, 1);
	return fd;
}

/*
 * WATCHDOG_USEC set: READY=1, then WATCHDOG=1 every half of it, from the loop itself; a daemon
 * that says it is unhealthy gets none, and STOPPING=1 at the end.
 */
Test(xp_loop, the_watchdog_is_sent, .timeout = 30)
{
	struct notify n = {0};
	struct xp_loop l;
	struct xp_loop_fd h;
	char path[108];
	int64_t t0;
	int id;

	n.fd = notify_socket(path, sizeof(path));
	setenv("WATCHDOG_USEC", "100000", 1);
	unsetenv("WATCHDOG_PID");
	t0 = xp_mono_ms();
	cr_assert_eq(xp_loop_init(&l, NULL, NULL), 0);
	cr_expect_eq(l.watchdog_usec, 100000);
	h = (struct xp_loop_fd){.fd = n.fd, .fn = on_notify, .ctx = &n};
	cr_assert_eq(xp_loop_add(&l, &h, EPOLLIN), 0);
	cr_assert_eq(xp_loop_run(&l), 0);
	cr_expect_eq(n.watchdogs, 2, "%s", n.seen);
	cr_expect_geq(xp_mono_ms() - t0, 100, "two of them, half a period (50 ms) apart");
	cr_expect(strstr(n.seen, "READY=1") != NULL, "%s", n.seen);

	/* unhealthy: withheld for three periods */
	xp_loop_close(&l);
	cr_assert_eq(xp_loop_init(&l, NULL, NULL), 0);
	xp_loop_healthy(&l, false);
	n.watchdogs = 0;
	n.len = 0;
	cr_assert_eq(xp_loop_add(&l, &h, EPOLLIN), 0);
	id = xp_loop_timer(&l, end_run, NULL);
	xp_loop_timer_at(&l, id, xp_mono_ms() + 300, 0);
	cr_assert_eq(xp_loop_run(&l), 0);
	on_notify(&l, &h, 0); /* STOPPING=1, sent after the loop's last turn */
	cr_expect_eq(n.watchdogs, 0, "%s", n.seen);
	cr_expect(strstr(n.seen, "STOPPING=1") != NULL, "%s", n.seen);
	xp_loop_close(&l);
	close(n.fd);
	unlink(path);
	unsetenv("WATCHDOG_USEC");
	unsetenv("NOTIFY_SOCKET");
}
