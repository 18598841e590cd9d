/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* xp_loop.h - the daemons' one event loop: fds, timers, signals, sd_notify and its watchdog. */
#ifndef XP_LOOP_H
#define XP_LOOP_H

#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/epoll.h>

#define XP_LOOP_TIMERS 8  /* timers of one loop */
#define XP_LOOP_BATCH  64 /* events handled per wait */

struct xp_loop;

/* A file descriptor watched by the loop; the caller owns it (no allocation per fd). */
struct xp_loop_fd {
	int fd;
	void (*fn)(struct xp_loop *l, struct xp_loop_fd *h, uint32_t events);
	void *ctx;
};

struct xp_loop_timer {
	int64_t deadline; /* monotonic ms; -1: not armed */
	int64_t period;	  /* ms; 0: once */
	void (*fn)(struct xp_loop *l, void *ctx);
	void *ctx;
	bool used, running;
};

struct xp_loop {
	int ep, sig_fd, stop_fd; /* epoll, signalfd, eventfd (a stop from any thread) */
	struct xp_loop_fd sig_h, stop_h;
	void (*reload)(void *ctx); /* SIGHUP, when the daemon has a reload */
	void *reload_ctx;
	struct xp_loop_timer timers[XP_LOOP_TIMERS];
	uint64_t watchdog_usec; /* WATCHDOG_USEC, 0 when off */
	int64_t watchdog_next;	/* monotonic ms of the next WATCHDOG=1 */
	bool unhealthy;		/* the daemon withholds the watchdog */
	atomic_bool stopping;
	int signo; /* the signal that stopped the loop, 0 for none */
	/* the batch being dispatched: a handle removed during it is not called */
	struct epoll_event batch[XP_LOOP_BATCH];
	int n_batch;
};

/*
 * Blocks SIGINT and SIGTERM (and SIGHUP when reload is given) in the calling thread, which
 * threads started later inherit: call it before any thread starts. Opens the loop's signalfd,
 * its stop eventfd and its epoll; reads WATCHDOG_USEC. 0 or -errno.
 */
int xp_loop_init(struct xp_loop *l, void (*reload)(void *ctx), void *ctx);
void xp_loop_close(struct xp_loop *l);

/* Watches h->fd for events (EPOLLIN...): h->fn is called from the loop. 0 or -errno. */
int xp_loop_add(struct xp_loop *l, struct xp_loop_fd *h, uint32_t events);
/* No more calls of h (before its fd is closed); safe inside a callback. */
void xp_loop_del(struct xp_loop *l, struct xp_loop_fd *h);

/* A timer, not armed: its index, or -ENOSPC. A running timer's callback is never re-entered. */
int xp_loop_timer(struct xp_loop *l, void (*fn)(struct xp_loop *l, void *ctx), void *ctx);
/* Arms timer t at the monotonic deadline (ms, xp_mono_ms), then every period ms (0: once);
 * a deadline < 0 disarms it. A periodic timer late by more than a period fires once, not once
 * per period missed. */
void xp_loop_timer_at(struct xp_loop *l, int t, int64_t deadline, int64_t period);

/*
 * Sends READY=1, then dispatches until a stop (SIGINT, SIGTERM, xp_loop_stop), sends
 * STOPPING=1. 0 after a stop, or -errno when waiting failed (the caller logs it and exits
 * non-zero).
 */
int xp_loop_run(struct xp_loop *l);
/* One wait of at most timeout_ms (-1: none) and its dispatch, for a caller that loops itself
 * (the monitor's round): 0, or -errno when waiting failed. */
int xp_loop_turn(struct xp_loop *l, int timeout_ms);

/* Asks the loop to stop: from any thread, or a callback. */
void xp_loop_stop(struct xp_loop *l);
static inline bool xp_loop_stopping(struct xp_loop *l)
{
	return atomic_load(&l->stopping);
}

/* The daemon's health: while false, the loop withholds WATCHDOG=1 (systemd then restarts it). */
void xp_loop_healthy(struct xp_loop *l, bool ok);
/* sd_notify STATUS=... */
void xp_loop_status(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
