// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* mon_ntp.c - one check of a pool server: several NTP samples, classified, one chosen. */
#include <arpa/inet.h>
#include <errno.h>
#include <math.h>
#include <netdb.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "mon_ntp.h"
#include "xp_ntp.h"
#include "xp_time.h"

#define LEAP_LIST "/usr/share/zoneinfo/leap-seconds.list"

int mon_leap_legitimate(time_t now, const char *leap_list)
{
	struct tm tm;
	time_t midnight;
	unsigned long long ntp;
	char line[256];
	FILE *f;
	int found = 0;

	gmtime_r(&now, &tm);
	if (!((tm.tm_mon == 5 && tm.tm_mday == 30) || (tm.tm_mon == 11 && tm.tm_mday == 31)))
		return 0;
	midnight = now - (now % 86400) + 86400;
	f = fopen(leap_list ? leap_list : LEAP_LIST, "r");
	if (!f)
		return 0;
	while (!found && fgets(line, sizeof(line), f))
		if (line[0] != '#' && sscanf(line, "%llu", &ntp) == 1)
			found = (long long)ntp - (long long)XP_NTP_UNIX_DELTA == (long long)midnight;
	fclose(f);
	return found;
}

/*
 * Waits for fd until the monotonic deadline (ms): 0 when readable, -ETIMEDOUT, or -ECANCELED
 * when the stop flag is set. A signal (EINTR) re-checks the flag and the deadline.
 */
static int wait_readable(int fd, int64_t deadline, const struct mon_check_opts *o)
{
	struct pollfd pfd = { .fd = fd, .events = POLLIN };

	for (;;) {
		int64_t left = deadline - xp_mono_ms();
		int n;

		if (o->stop && *o->stop)
			return -ECANCELED;
		if (left <= 0)
			return -ETIMEDOUT;
		/* wake at least every 100 ms: the flag may be set without a signal (threads) */
		n = poll(&pfd, 1, left < 100 ? (int)left : 100);
		if (n > 0)
			return 0;
		if (n < 0 && errno != EINTR)
			return -errno;
	}
}

/* One query: 0 and the sample, -ETIMEDOUT at the sample's deadline, or -ECANCELED. */
static int sample(int fd, const struct mon_check_opts *o, struct mon_sample *s, double *delay,
		  char *note, size_t nlen)
{
	int64_t deadline = xp_mono_ms() + o->timeout_ms;
	uint8_t req[XP_NTP_LEN], rep[512];
	struct xp_ntp_reply r;
	struct timespec t1, t4;
	uint64_t xmt;
	ssize_t n;
	int ret;

	clock_gettime(CLOCK_REALTIME, &t1);
	xmt = xp_timespec_to_ntp64(&t1);
	xp_ntp_request(req, 4, 3, xmt);
	if (send(fd, req, sizeof(req), 0) != sizeof(req))
		return -errno;
	for (;;) {
		/* the deadline is the sample's: stray datagrams never extend it */
		ret = wait_readable(fd, deadline, o);
		if (ret)
			return ret;
		n = recv(fd, rep, sizeof(rep), MSG_DONTWAIT);
		if (n < 0 && (errno == EAGAIN || errno == EINTR))
			continue;
		if (n < 0)
			return -errno; /* e.g. port unreachable: the same as no response */
		if (!xp_ntp_parse(rep, n, &r) && r.org == xmt)
			break; /* ours: a late reply to an earlier sample is skipped */
	}
	clock_gettime(CLOCK_REALTIME, &t4);
	mon_sample_classify(&r, &t1, &t4, o->max_root_distance, s, delay, note, nlen);
	return 0;
}

void mon_sample_classify(const struct xp_ntp_reply *r, const struct timespec *t1,
			 const struct timespec *t4, double max_rd, struct mon_sample *s,
			 double *delay, char *note, size_t nlen)
{
	double rd;

	s->stratum = r->stratum;
	s->offset = NAN;
	*delay = 0;
	if (r->stratum == 0) {
		char code[5] = { 0 };

		memcpy(code, &r->refid, 4);
		s->result = !strcmp(code, "RATE")			      ? MON_KOD_RATE
			    : !strcmp(code, "DENY") || !strcmp(code, "RSTR") ? MON_KOD_DENY
									      : MON_STRATUM0;
		snprintf(note, nlen, "stratum 0, kiss code '%.4s'", code);
		return;
	}
	xp_ntp_offset_delay(r, t1, t4, &s->offset, delay);
	rd = r->root_delay / 65536.0 / 2 + r->root_disp / 65536.0;
	s->result = MON_OK;
	if (r->mode != 4 || r->li == 3 || !r->tx) {
		s->result = MON_ERROR;
		snprintf(note, nlen, "bad reply (mode %d, LI %d)", r->mode, r->li);
	} else if ((r->li == 1 || r->li == 2) && !mon_leap_legitimate(t1->tv_sec, NULL)) {
		s->result = MON_ERROR;
		snprintf(note, nlen, XP_NTP_NOTE_LEAP " (LI %d) on the wrong day", r->li);
	} else if (rd > max_rd) {
		s->result = MON_ERROR;
		snprintf(note, nlen, "root distance %.3f s over %.3f s", rd, max_rd);
	}
}

static int rank(enum mon_result r)
{
	/* the pool's precedence among failed samples: lower is worse */
	switch (r) {
	case MON_KOD_RATE:
		return 0;
	case MON_KOD_DENY:
		return 1;
	case MON_STRATUM0:
		return 2;
	default:
		return 3;
	}
}

/* Is the connected peer in our own /24 (IPv4) or /48 (IPv6)? */
static bool same_network(int fd)
{
	struct sockaddr_storage me, peer;
	socklen_t ml = sizeof(me), pl = sizeof(peer);

	if (getsockname(fd, (struct sockaddr *)&me, &ml) || getpeername(fd, (struct sockaddr *)&peer, &pl) ||
	    me.ss_family != peer.ss_family)
		return false;
	if (me.ss_family == AF_INET)
		return !memcmp(&((struct sockaddr_in *)&me)->sin_addr,
			       &((struct sockaddr_in *)&peer)->sin_addr, 3);
	return !memcmp(&((struct sockaddr_in6 *)&me)->sin6_addr,
		       &((struct sockaddr_in6 *)&peer)->sin6_addr, 6);
}

void mon_check_init(struct mon_check *c)
{
	memset(c, 0, sizeof(*c));
	c->chosen.result = MON_NO_RESPONSE;
	c->chosen.offset = NAN;
	snprintf(c->note, sizeof(c->note), "no response");
}

void mon_check_fold(struct mon_check *c, const struct mon_sample *s, double delay,
		    const char *note)
{
	c->replies++;
	if (s->result == MON_OK) {
		if (!c->have_ok || delay < c->delay) {
			c->chosen = *s;
			c->delay = delay;
			snprintf(c->note, sizeof(c->note), "delay %.3f ms", delay * 1e3);
		}
		c->have_ok = 1;
	} else if (!c->have_ok && (!c->have_fail || rank(s->result) < rank(c->chosen.result))) {
		c->chosen = *s;
		snprintf(c->note, sizeof(c->note), "%s", note);
		c->have_fail = 1;
	}
}

int mon_connect(const char *ip, const struct mon_check_opts *o, int flags, int *out)
{
	struct addrinfo hints = { .ai_socktype = SOCK_DGRAM, .ai_flags = AI_NUMERICHOST }, *ai;
	char port[8];
	int fd, ret = 0;

	snprintf(port, sizeof(port), "%u", o->port ? o->port : 123);
	if (getaddrinfo(ip, port, &hints, &ai))
		return -EINVAL;
	fd = socket(ai->ai_family, SOCK_DGRAM | SOCK_CLOEXEC | flags, 0);
	/* the kernel's receive time: a reply is timed when it arrived, not when it was read */
	if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_TIMESTAMPNS, &(int){ 1 }, sizeof(int)) ||
	    connect(fd, ai->ai_addr, ai->ai_addrlen))
		ret = -errno;
	freeaddrinfo(ai);
	if (!ret && !o->same_network_ok && same_network(fd))
		ret = -EXDEV;
	if (ret && fd >= 0)
		close(fd);
	if (!ret)
		*out = fd;
	return ret;
}

int mon_check_server(const char *ip, const struct mon_check_opts *o, struct mon_check *c)
{
	int fd = -1, ret;

	mon_check_init(c);
	ret = mon_connect(ip, o, 0, &fd);
	if (ret)
		return ret;
	for (int i = 0; i < o->samples; i++) {
		struct mon_sample s;
		double delay = 0;
		char note[96] = "";

		/* samples 100 ms apart; a stop ends the gap too */
		if (i && wait_readable(-1, xp_mono_ms() + 100, o) == -ECANCELED) {
			ret = -ECANCELED;
			break;
		}
		ret = sample(fd, o, &s, &delay, note, sizeof(note));
		if (ret == -ECANCELED)
			break;
		if (ret) {
			ret = 0; /* no response to this sample */
			continue;
		}
		mon_check_fold(c, &s, delay, note);
	}
	close(fd);
	return ret;
}
