// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* mon_round.c - one round over every server: many checks in flight on non-blocking sockets. */
#include <arpa/inet.h>
#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "mon_round.h"
#include "xp_ntp.h"
#include "xp_time.h"

#define GAP_MS 100 /* between a check's samples, as the sequential check */

struct flight {
	struct xp_loop_fd h; /* the check's socket, watched by the daemon's loop */
	const struct mon_check_opts *o;
	bool used, waiting;
	int fd, sample;
	long id;
	char ip[64];
	uint64_t xmt;
	struct timespec t1;
	int64_t deadline, next_send; /* monotonic ms */
	struct mon_check c;
};

static void finish(struct flight *f, struct xp_loop *l,
		   void (*done)(void *, long, const char *, const struct mon_check *), void *ctx,
		   struct mon_round_stats *st)
{
	xp_loop_del(l, &f->h);
	close(f->fd);
	f->used = false;
	st->checked++;
	done(ctx, f->id, f->ip, &f->c);
}

/* Sends the next sample: its deadline starts now. */
static void send_sample(struct flight *f, const struct mon_check_opts *o, int64_t now)
{
	uint8_t req[XP_NTP_LEN];

	clock_gettime(CLOCK_REALTIME, &f->t1);
	f->xmt = xp_timespec_to_ntp64(&f->t1);
	xp_ntp_request(req, 4, 3, f->xmt);
	f->sample++;
	f->waiting = true;
	f->deadline = now + o->timeout_ms;
	if (send(f->fd, req, sizeof(req), 0) != sizeof(req)) {
		f->waiting = false; /* no response to this sample */
		f->next_send = now + GAP_MS;
	}
}

/*
 * The kernel stamps arriving datagrams only while some socket asks for it, and turns stamping
 * on some time after the first one does (a deferred switch): until then a reply is stamped when
 * it is read, and one that waited while the loop was busy would seem late. One socket of the
 * process asks for it for good, and the first round waits (a second at most) until datagrams are
 * stamped on arrival.
 */
static void stamps_on_once(void)
{
	struct sockaddr_in sa = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	socklen_t len = sizeof(sa);
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);

	if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_TIMESTAMPNS, &(int){1}, sizeof(int)) ||
	    bind(fd, (struct sockaddr *)&sa, sizeof(sa)) ||
	    getsockname(fd, (struct sockaddr *)&sa, &len) ||
	    connect(fd, (struct sockaddr *)&sa, sizeof(sa)))
		goto fail;
	for (int i = 0; i < 100; i++) {
		char cbuf[CMSG_SPACE(sizeof(struct timespec))], b = 0;
		struct iovec iov = {&b, 1};
		struct msghdr mh = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = cbuf,
				    .msg_controllen = sizeof(cbuf)};
		struct timespec t4 = {0}, rt;

		if (send(fd, &b, 1, 0) != 1)
			goto fail;
		usleep(5000);
		if (recvmsg(fd, &mh, MSG_DONTWAIT) != 1)
			continue;
		clock_gettime(CLOCK_REALTIME, &rt);
		for (struct cmsghdr *c = CMSG_FIRSTHDR(&mh); c; c = CMSG_NXTHDR(&mh, c))
			if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_TIMESTAMPNS)
				memcpy(&t4, CMSG_DATA(c), sizeof(t4));
		/* stamped when it arrived, 5 ms before it was read: stamping is on */
		if (t4.tv_sec && (rt.tv_sec - t4.tv_sec) * 1000000000L + rt.tv_nsec - t4.tv_nsec >=
				     4000000L)
			return; /* the socket stays open: stamping stays on */
	}
	return;
fail:
	if (fd >= 0)
		close(fd);
}

static void stamps_on(void)
{
	static pthread_once_t once = PTHREAD_ONCE_INIT;

	pthread_once(&once, stamps_on_once);
}

/*
 * The kernel's receive time of the datagram mh holds (SO_TIMESTAMPNS), or now without one. A
 * reply that waited in the socket while the loop was busy (writing to the registry) is timed
 * when it arrived, so its offset and delay are not skewed by the wait.
 */
static void arrival(struct msghdr *mh, struct timespec *t4)
{
	for (struct cmsghdr *c = CMSG_FIRSTHDR(mh); c; c = CMSG_NXTHDR(mh, c))
		if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_TIMESTAMPNS) {
			memcpy(t4, CMSG_DATA(c), sizeof(*t4));
			return;
		}
	clock_gettime(CLOCK_REALTIME, t4);
}

/* Reads what the socket holds: a reply of ours ends the sample; anything else is skipped. */
static void receive(struct flight *f, const struct mon_check_opts *o, int64_t now)
{
	uint8_t rep[512];
	char cbuf[CMSG_SPACE(sizeof(struct timespec))];
	struct iovec iov = {rep, sizeof(rep)};
	ssize_t n;

	for (;;) {
		struct msghdr mh = {.msg_iov = &iov,
				    .msg_iovlen = 1,
				    .msg_control = cbuf,
				    .msg_controllen = sizeof(cbuf)};
		struct xp_ntp_reply r;
		struct mon_sample s;
		struct timespec t4, rt;
		char note[96] = "";
		double delay;
		int64_t arrived;

		if (!f->waiting || (n = recvmsg(f->fd, &mh, MSG_DONTWAIT)) == -1)
			break;
		if (xp_ntp_parse(rep, n, &r) || r.org != f->xmt)
			continue; /* stray or late: the sample's deadline stands */
		arrival(&mh, &t4);
		clock_gettime(CLOCK_REALTIME, &rt);
		/* when it arrived on the deadline's (monotonic) clock: after it, the reply is late
		 */
		arrived =
		    now - ((rt.tv_sec - t4.tv_sec) * 1000 + (rt.tv_nsec - t4.tv_nsec) / 1000000);
		if (arrived > f->deadline)
			continue;
		mon_sample_classify(&r, &f->t1, &t4, o->max_root_distance, &s, &delay, note,
				    sizeof(note));
		mon_check_fold(&f->c, &s, delay, note);
		f->waiting = false;
		f->next_send = now + GAP_MS;
	}
	if (f->waiting && errno != EAGAIN && errno != EINTR) {
		f->waiting = false; /* port unreachable and the like: no response */
		f->next_send = now + GAP_MS;
	}
}

/* A check's socket is readable: its reply, read at once. */
static void on_reply(struct xp_loop *l, struct xp_loop_fd *h, uint32_t events)
{
	struct flight *f = h->ctx;

	(void)l;
	(void)events;
	if (f->used)
		receive(f, f->o, xp_mono_ms());
}

int mon_round_run(struct xp_loop *l, const struct mon_check_opts *o, int max_in_flight,
		  int (*next)(void *ctx, long *id, char ip[64]),
		  void (*done)(void *ctx, long id, const char *ip, const struct mon_check *c),
		  void *ctx, struct mon_round_stats *st)
{
	struct flight *fl = calloc(max_in_flight, sizeof(*fl));
	int64_t t0 = xp_mono_ms();
	int in_flight = 0, ret = 0;
	bool more = true;

	memset(st, 0, sizeof(*st));
	stamps_on();
	if (!fl) {
		ret = -ENOMEM;
		goto out;
	}
	while (more || in_flight) {
		int64_t now = xp_mono_ms(), wake = now + 1000;

		/* fill the free slots */
		for (int i = 0; more && i < max_in_flight && in_flight < max_in_flight; i++) {
			struct flight *f = &fl[i];
			int r;

			if (f->used)
				continue;
			if (next(ctx, &f->id, f->ip) != 1) {
				more = false;
				break;
			}
			mon_check_init(&f->c);
			r = mon_connect(f->ip, o, SOCK_NONBLOCK, &f->fd);
			if (r == -EXDEV) {
				st->skipped_own_network++;
				continue;
			}
			if (r) { /* as the sequential check: recorded with no response */
				st->checked++;
				done(ctx, f->id, f->ip, &f->c);
				continue;
			}
			f->h = (struct xp_loop_fd){ .fd = f->fd, .fn = on_reply, .ctx = f };
			f->o = o;
			if (xp_loop_add(l, &f->h, EPOLLIN)) { /* no reply could be read: none */
				close(f->fd);
				st->checked++;
				done(ctx, f->id, f->ip, &f->c);
				continue;
			}
			f->used = true;
			f->sample = 0;
			f->waiting = false;
			f->next_send = now;
			in_flight++;
		}
		st->in_flight = in_flight;
		if ((unsigned long)in_flight > st->peak_in_flight)
			st->peak_in_flight = in_flight;
		/* due sends, expired samples, finished checks; and the next moment something is due
		 */
		for (int i = 0; i < max_in_flight; i++) {
			struct flight *f = &fl[i];

			if (!f->used)
				continue;
			if (f->waiting && now >= f->deadline) {
				/* a reply that arrived in time and was not read yet still counts */
				receive(f, o, now);
				if (f->waiting) {
					f->waiting = false; /* no response to this sample */
					f->next_send = now + GAP_MS;
				}
			}
			if (!f->waiting && now >= f->next_send) {
				if (f->sample == o->samples) {
					finish(f, l, done, ctx, st);
					in_flight--;
					continue;
				}
				send_sample(f, o, now);
			}
			wake = fmin(wake, f->waiting ? f->deadline : f->next_send);
		}
		if ((o->stop && *o->stop) || xp_loop_stopping(l)) {
			ret = -ECANCELED;
			break;
		}
		if (!in_flight && !more)
			break;
		/* free slots and servers left (some were skipped): fill again without waiting */
		if (more && in_flight < max_in_flight)
			wake = now;
		/* the loop's other fds (signals, the metrics endpoint) are served meanwhile */
		ret = xp_loop_turn(l, wake > now ? (int)(wake - now) : 0);
		if (ret)
			break;
		if (xp_loop_stopping(l)) {
			ret = -ECANCELED;
			break;
		}
	}
out:
	for (int i = 0; fl && i < max_in_flight; i++)
		if (fl[i].used) {
			xp_loop_del(l, &fl[i].h);
			close(fl[i].fd); /* stopping: checks in flight are not reported */
		}
	free(fl);
	st->seconds = (xp_mono_ms() - t0) / 1e3;
	st->in_flight = 0;
	return ret;
}
