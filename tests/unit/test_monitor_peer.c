// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* test_monitor_peer.c - a pool server that trickles stray datagrams cannot hold the monitor. */
#include <arpa/inet.h>
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <criterion/criterion.h>

#include "mon_ntp.h"

/* A hostile peer on 127.0.0.1: never answers, sends a stray datagram every 50 ms. */
struct stray {
	int fd;
	uint16_t port;
	volatile int quit;
	pthread_t t;
	int strays;
};

static void *stray_main(void *arg)
{
	struct stray *s = arg;
	struct sockaddr_in peer;
	socklen_t plen = sizeof(peer);
	uint8_t buf[512];
	int have_peer = 0;

	while (!s->quit) {
		struct pollfd pfd = {.fd = s->fd, .events = POLLIN};

		if (poll(&pfd, 1, 50) > 0 &&
		    recvfrom(s->fd, buf, sizeof(buf), 0, (struct sockaddr *)&peer, &plen) > 0)
			have_peer = 1;
		if (have_peer) { /* 48 bytes of garbage, never a reply to the request */
			memset(buf, 0xee, 48);
			if (sendto(s->fd, buf, 48, 0, (struct sockaddr *)&peer, plen) == 48)
				s->strays++;
		}
	}
	return NULL;
}

static void stray_start(struct stray *s)
{
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	socklen_t alen = sizeof(a);

	memset(s, 0, sizeof(*s));
	s->fd = socket(AF_INET, SOCK_DGRAM, 0);
	cr_assert_geq(s->fd, 0);
	cr_assert_eq(bind(s->fd, (struct sockaddr *)&a, sizeof(a)), 0);
	cr_assert_eq(getsockname(s->fd, (struct sockaddr *)&a, &alen), 0);
	s->port = ntohs(a.sin_port);
	cr_assert_eq(pthread_create(&s->t, NULL, stray_main, s), 0);
}

static void stray_stop(struct stray *s)
{
	s->quit = 1;
	pthread_join(s->t, NULL);
	close(s->fd);
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

Test(monitor_peer, stray_datagrams_do_not_extend_the_deadline, .timeout = 60)
{
	/* the peer is on loopback, in the monitor's own /24: allowed here (a lab's setting) */
	struct mon_check_opts o = {
	    .samples = 3, .timeout_ms = 400, .max_root_distance = 1, .same_network_ok = true};
	struct mon_check c;
	struct stray s;
	double t0, took;

	stray_start(&s);
	o.port = s.port;
	t0 = now_s();
	cr_assert_eq(mon_check_server("127.0.0.1", &o, &c), 0);
	took = now_s() - t0;
	stray_stop(&s);
	cr_log_info("3 samples of 400 ms against %d stray datagrams: %.3f s", s.strays, took);
	cr_expect_gt(s.strays, 10, "the peer really trickled (%d)", s.strays);
	cr_expect_eq(c.chosen.result, MON_NO_RESPONSE, "garbage is no response");
	cr_expect_eq(c.replies, 0);
	/* the check's own deadline: 3 x 400 ms + 2 x 100 ms gaps; before the fix it never ended */
	cr_expect_geq(took, 1.2, "each sample waited its full deadline (%.3f s)", took);
	/* slack of 2 s for a loaded machine's wake-ups (milliseconds each), less than what a wrong
	 * gap adds (1.5 s instead of 100 ms: +2.8 s) */
	cr_expect_lt(took, 1.4 + 2.0, "the check ended by its deadline (%.3f s)", took);
}

static volatile sig_atomic_t stop_flag;

static double stop_set_at;

static void *set_stop(void *arg)
{
	(void)arg;
	usleep(300000);
	stop_set_at = now_s();
	stop_flag = 1;
	return NULL;
}

Test(monitor_peer, stop_flag_ends_the_check, .timeout = 60)
{
	struct mon_check_opts o = {.samples = 3,
				   .timeout_ms = 30000,
				   .max_root_distance = 1,
				   .stop = &stop_flag,
				   .same_network_ok = true};
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	socklen_t alen = sizeof(a);
	struct mon_check c;
	pthread_t t;
	double t0, took;
	/* a silent peer: nothing wakes the check but its own polls of the flag */
	int fd = socket(AF_INET, SOCK_DGRAM, 0);

	cr_assert_eq(bind(fd, (struct sockaddr *)&a, sizeof(a)), 0);
	cr_assert_eq(getsockname(fd, (struct sockaddr *)&a, &alen), 0);
	o.port = ntohs(a.sin_port);
	stop_flag = 0;
	cr_assert_eq(pthread_create(&t, NULL, set_stop, NULL), 0);
	t0 = now_s();
	cr_expect_eq(mon_check_server("127.0.0.1", &o, &c), -ECANCELED);
	took = now_s() - t0;
	pthread_join(t, NULL);
	close(fd);
	/* a 30 s sample deadline, ended by the flag (polled every 100 ms): within a poll of the
	 * flag, with 2 s of slack for a loaded machine's wake-ups; a 10 s poll would fail */
	cr_expect_lt(t0 + took - stop_set_at, 0.1 + 2.0, "stopped %.3f s after the flag",
		     t0 + took - stop_set_at);
	cr_expect_lt(took, 30.0, "stopped inside the sample (%.3f s)", took);
}

/* A monitor never scores a server in its own /24 (the pool's rule): nothing is even sent. */
Test(monitor_peer, own_network_is_not_scored, .timeout = 30)
{
	struct mon_check_opts o = {.samples = 3, .timeout_ms = 400, .max_root_distance = 1};
	struct mon_check c;
	struct stray s;

	stray_start(&s);
	o.port = s.port;
	cr_expect_eq(mon_check_server("127.0.0.1", &o, &c), -EXDEV);
	usleep(200000);
	stray_stop(&s);
	cr_expect_eq(s.strays, 0, "a request went out to a server of the monitor's own network");
}
