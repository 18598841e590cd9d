// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* test_monitor_round.c - the concurrent round scores exactly as the sequential check does. */
#include <arpa/inet.h>
#include <errno.h>
#include <pthread.h>
#include <math.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <string.h>
#include <unistd.h>
#include <criterion/criterion.h>

#include "mon_round.h"
#include "mon_score.h"
#include "xp_bytes.h"
#include "xp_time.h"

enum kind { GOOD, RATE, SILENT, UNSYNC, STRAY_THEN_GOOD, N_KINDS };
static const char *const ips[N_KINDS] = {"127.0.0.2", "127.0.0.3", "127.0.0.4", "127.0.0.5",
					 "127.0.0.6"};

/* Fake pool servers on loopback, one behaviour each, on one port. */
struct fakes {
	int fd[N_KINDS];
	uint16_t port;
	volatile int quit;
	pthread_t t;
};

static void answer(int fd, enum kind k, const uint8_t *req, struct sockaddr_in *peer, socklen_t pl)
{
	uint8_t rep[48] = {0};
	struct timespec now;
	uint64_t t;

	if (k == SILENT)
		return;
	if (k == STRAY_THEN_GOOD) {
		memset(rep, 0xee, sizeof(rep));
		sendto(fd, rep, sizeof(rep), 0, (struct sockaddr *)peer, pl);
		memset(rep, 0, sizeof(rep));
	}
	clock_gettime(CLOCK_REALTIME, &now);
	t = xp_timespec_to_ntp64(&now);
	rep[0] = (k == UNSYNC ? 3 : 0) << 6 | 4 << 3 | 4;
	rep[1] = k == RATE ? 0 : 2;
	if (k == RATE)
		memcpy(rep + 12, "RATE", 4);
	memcpy(rep + 24, req + 40, 8); /* origin: the request's transmit */
	xp_put64(rep + 32, t);
	xp_put64(rep + 40, t);
	sendto(fd, rep, sizeof(rep), 0, (struct sockaddr *)peer, pl);
}

static void *serve(void *arg)
{
	struct fakes *f = arg;

	while (!f->quit) {
		struct pollfd p[N_KINDS];

		for (int k = 0; k < N_KINDS; k++)
			p[k] = (struct pollfd){.fd = f->fd[k], .events = POLLIN};
		if (poll(p, N_KINDS, 50) <= 0)
			continue;
		for (int k = 0; k < N_KINDS; k++) {
			struct sockaddr_in peer;
			socklen_t pl = sizeof(peer);
			uint8_t req[512];

			if (p[k].revents && recvfrom(f->fd[k], req, sizeof(req), 0,
						     (struct sockaddr *)&peer, &pl) >= 48)
				answer(f->fd[k], k, req, &peer, pl);
		}
	}
	return NULL;
}

static void fakes_start(struct fakes *f)
{
	memset(f, 0, sizeof(*f));
	for (int k = 0; k < N_KINDS; k++) {
		struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(f->port)};
		socklen_t al = sizeof(a);

		inet_pton(AF_INET, ips[k], &a.sin_addr);
		f->fd[k] = socket(AF_INET, SOCK_DGRAM, 0);
		cr_assert_eq(bind(f->fd[k], (struct sockaddr *)&a, sizeof(a)), 0);
		if (!f->port) { /* the first picks the port, the others share it */
			getsockname(f->fd[k], (struct sockaddr *)&a, &al);
			f->port = ntohs(a.sin_port);
		}
	}
	cr_assert_eq(pthread_create(&f->t, NULL, serve, f), 0);
}

static void fakes_stop(struct fakes *f)
{
	f->quit = 1;
	pthread_join(f->t, NULL);
	for (int k = 0; k < N_KINDS; k++)
		close(f->fd[k]);
}

struct feed {
	int next;
	struct mon_check got[N_KINDS];
	int seen[N_KINDS];
};

static int next(void *ctx, long *id, char ip[64])
{
	struct feed *fd = ctx;

	if (fd->next == N_KINDS)
		return 0;
	*id = fd->next;
	strcpy(ip, ips[fd->next++]);
	return 1;
}

static void done(void *ctx, long id, const char *ip, const struct mon_check *c)
{
	struct feed *fd = ctx;

	(void)ip;
	fd->got[id] = *c;
	fd->seen[id]++;
}

Test(monitor_round, same_scores_as_the_sequential_check, .timeout = 60)
{
	struct mon_check_opts o = {
	    .samples = 3, .timeout_ms = 300, .max_root_distance = 1, .same_network_ok = true};
	struct mon_check seq[N_KINDS];
	struct mon_round_stats st;
	struct feed feed = {0};
	struct xp_loop l;
	struct fakes f;

	cr_assert_eq(xp_loop_init(&l, NULL, NULL), 0);
	fakes_start(&f);
	o.port = f.port;
	for (int k = 0; k < N_KINDS; k++)
		cr_assert_eq(mon_check_server(ips[k], &o, &seq[k]), 0);
	cr_assert_eq(mon_round_run(&l, &o, 2, next, done, &feed, &st), 0);
	fakes_stop(&f);
	xp_loop_close(&l);
	cr_expect_eq(st.checked, N_KINDS);
	cr_expect_leq(st.peak_in_flight, 2, "max-in-flight holds");
	for (int k = 0; k < N_KINDS; k++) {
		cr_expect_eq(feed.seen[k], 1, "%s reported once", ips[k]);
		cr_expect_eq(feed.got[k].chosen.result, seq[k].chosen.result, "%s: result", ips[k]);
		cr_expect_eq(feed.got[k].replies, seq[k].replies, "%s: replies", ips[k]);
		cr_expect_eq(mon_step(&feed.got[k].chosen), mon_step(&seq[k].chosen),
			     "%s: step %f/%f", ips[k], mon_step(&feed.got[k].chosen),
			     mon_step(&seq[k].chosen));
	}
	cr_expect_eq(seq[GOOD].chosen.result, MON_OK);
	cr_expect_eq(seq[RATE].chosen.result, MON_KOD_RATE);
	cr_expect_eq(seq[SILENT].chosen.result, MON_NO_RESPONSE);
	cr_expect_eq(seq[UNSYNC].chosen.result, MON_ERROR);
	cr_expect_eq(seq[STRAY_THEN_GOOD].chosen.result, MON_OK);
}

/* Many servers, few slots: every one checked once, never more in flight than allowed. */
Test(monitor_round, bounded_in_flight, .timeout = 60)
{
	struct mon_check_opts o = {
	    .samples = 1, .timeout_ms = 200, .max_root_distance = 1, .same_network_ok = true};
	struct mon_round_stats st;
	struct feed feed = {0};
	struct xp_loop l;
	struct fakes f;
	double t0 = xp_mono_ms();

	cr_assert_eq(xp_loop_init(&l, NULL, NULL), 0);
	fakes_start(&f);
	o.port = f.port;
	/* five servers, one sample, one at a time: the silent one alone costs its deadline */
	cr_assert_eq(mon_round_run(&l, &o, 1, next, done, &feed, &st), 0);
	fakes_stop(&f);
	xp_loop_close(&l);
	cr_expect_eq(st.peak_in_flight, 1);
	cr_expect_eq(st.checked, N_KINDS);
	cr_expect_geq(xp_mono_ms() - t0, 200, "the silent server's deadline was kept");
}

static int stall_fd = -1;

/* The loop busy elsewhere (a slow registry write): 400 ms once, while replies arrive. */
static void stall(struct xp_loop *l, struct xp_loop_fd *h, uint32_t events)
{
	uint64_t v;

	(void)l;
	(void)events;
	usleep(400 * 1000);
	if (read(h->fd, &v, sizeof(v)) != sizeof(v))
		cr_log_warn("eventfd read");
}

/*
 * A reply that arrived in time but waited in its socket while the loop was busy still counts,
 * timed when it arrived (the kernel's receive time): its delay is the network's, not the wait.
 */
Test(monitor_round, a_busy_loop_does_not_skew_checks, .timeout = 60)
{
	struct mon_check_opts o = { .samples = 3, .timeout_ms = 300, .max_root_distance = 1,
				    .same_network_ok = true };
	struct mon_round_stats st;
	struct feed feed = { 0 };
	struct xp_loop l;
	struct xp_loop_fd busy = { .fn = stall };
	struct fakes f;

	cr_assert_eq(xp_loop_init(&l, NULL, NULL), 0);
	stall_fd = eventfd(1, EFD_CLOEXEC); /* readable at once: the round's first wait stalls */
	cr_assert_geq(stall_fd, 0);
	busy.fd = stall_fd; /* another fd of the daemon's loop (the metrics endpoint) */
	cr_assert_eq(xp_loop_add(&l, &busy, EPOLLIN), 0);
	fakes_start(&f);
	o.port = f.port;
	cr_assert_eq(mon_round_run(&l, &o, N_KINDS, next, done, &feed, &st), 0);
	fakes_stop(&f);
	xp_loop_close(&l);
	close(stall_fd);
	for (int k = GOOD; k <= STRAY_THEN_GOOD; k += STRAY_THEN_GOOD - GOOD) {
		struct mon_check *c = &feed.got[k];

		cr_expect_eq(c->chosen.result, MON_OK, "%s", ips[k]);
		cr_expect_eq(c->replies, 3, "%s: the reply that waited 400 ms (deadline 300 ms) counts",
			     ips[k]);
		cr_expect_lt(c->delay, 0.2, "%s: delay %.3f s: the wait is not in it", ips[k],
			     c->delay);
		/* on a shared clock the offset is bounded by half the delay */
		cr_expect_leq(fabs(c->chosen.offset), c->delay / 2 + 1e-6, "%s", ips[k]);
	}
}

static void *stop_later(void *arg)
{
	usleep(100 * 1000);
	xp_loop_stop(arg);
	return NULL;
}

/*
 * The round's sockets are the daemon loop's: a stop of the loop (a signal, or another thread)
 * ends the round at once, before the silent server's deadline, its checks not reported.
 */
Test(monitor_round, a_stop_of_the_loop_ends_the_round, .timeout = 60)
{
	struct mon_check_opts o = { .samples = 3, .timeout_ms = 10000, .max_root_distance = 1,
				    .same_network_ok = true };
	struct mon_round_stats st;
	struct feed feed = { 0 };
	struct xp_loop l;
	struct fakes f;
	pthread_t th;
	int64_t t0;

	cr_assert_eq(xp_loop_init(&l, NULL, NULL), 0);
	fakes_start(&f);
	o.port = f.port;
	feed.next = SILENT;
	t0 = xp_mono_ms();
	cr_assert_eq(pthread_create(&th, NULL, stop_later, &l), 0);
	cr_expect_eq(mon_round_run(&l, &o, N_KINDS, next, done, &feed, &st), -ECANCELED);
	cr_expect_lt(xp_mono_ms() - t0, o.timeout_ms, "ended before the silent server's deadline");
	cr_expect_eq(feed.seen[SILENT], 0, "a check in flight is not reported");
	pthread_join(th, NULL);
	fakes_stop(&f);
	xp_loop_close(&l);
}
