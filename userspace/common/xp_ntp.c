// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* xp_ntp.c - the client side of NTP on the wire: requests, replies, offset and delay. */
#include <arpa/inet.h>
#include <errno.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <sys/random.h>

#include "xp_bytes.h"
#include "xp_ntp.h"
#include "xp_time.h"


void xp_ntp_request(uint8_t req[XP_NTP_LEN], int vn, int mode, uint64_t xmt)
{
	memset(req, 0, XP_NTP_LEN);
	req[0] = (vn & 7) << 3 | (mode & 7);
	req[2] = 6;    /* poll 64 s */
	req[3] = 0xe9; /* precision -23 */
	xp_put64(req + 40, xmt);
}

int xp_ntp_parse(const uint8_t *p, size_t len, struct xp_ntp_reply *r)
{
	if (len < XP_NTP_LEN)
		return -EINVAL;
	r->li = p[0] >> 6;
	r->vn = (p[0] >> 3) & 7;
	r->mode = p[0] & 7;
	r->stratum = p[1];
	r->poll = (int8_t)p[2];
	r->precision = (int8_t)p[3];
	r->root_delay = xp_get32(p + 4);
	r->root_disp = xp_get32(p + 8);
	memcpy(&r->refid, p + 12, 4);
	r->ref = xp_get64(p + 16);
	r->org = xp_get64(p + 24);
	r->rx = xp_get64(p + 32);
	r->tx = xp_get64(p + 40);
	return 0;
}

void xp_ntp_offset_delay(const struct xp_ntp_reply *r, const struct timespec *t1,
			 const struct timespec *t4, double *offset, double *delay)
{
	int64_t T1 = (int64_t)xp_ts_ns(t1), T4 = (int64_t)xp_ts_ns(t4);
	int64_t T2 = xp_ntp64_to_unix_ns(r->rx, t1->tv_sec);
	int64_t T3 = xp_ntp64_to_unix_ns(r->tx, t1->tv_sec);

	*offset = ((T2 - T1) + (T3 - T4)) / 2e9;
	*delay = ((T4 - T1) - (T3 - T2)) / 1e9;
}

/* The verdict on a reply of the server's that echoes our request: 0, or -EPROTO and why. */
static int judge(const struct xp_ntp_reply *r, char *why, size_t n)
{
	char code[5] = {0};

	if (r->mode != 4) {
		snprintf(why, n, "the reply is mode %u, not a server reply (mode 4)", r->mode);
		return -EPROTO;
	}
	if (r->stratum == 0) {
		memcpy(code, &r->refid, 4);
		for (int i = 0; i < 4; i++)
			if (code[i] && (code[i] < 0x20 || code[i] > 0x7e))
				code[i] = '?';
		snprintf(why, n, "kiss-o'-death (stratum 0, code '%s'): not serving time", code);
		return -EPROTO;
	}
	if (r->stratum > 15) {
		snprintf(why, n, "stratum %u: the server is not synchronised", r->stratum);
		return -EPROTO;
	}
	if (r->li == 3) {
		snprintf(why, n, "%s", "leap indicator 3: the server is not synchronised");
		return -EPROTO;
	}
	if (!r->tx) {
		snprintf(why, n, "%s", "the reply has no transmit timestamp");
		return -EPROTO;
	}
	return 0;
}

int xp_ntp_probe(const char *ip, uint16_t port, int tries, int timeout_ms,
		 struct xp_ntp_reply *out, char *why, size_t n)
{
	struct sockaddr_storage ss = {0};
	struct sockaddr_in *s4 = (struct sockaddr_in *)&ss;
	struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&ss;
	uint64_t sent[8];
	int fd = -1, ret = -ETIMEDOUT, k;

	if (tries < 1 || tries > 8)
		tries = 3;
	if (inet_pton(AF_INET, ip, &s4->sin_addr) == 1) {
		s4->sin_family = AF_INET;
		s4->sin_port = htons(port);
	} else if (inet_pton(AF_INET6, ip, &s6->sin6_addr) == 1) {
		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons(port);
	} else {
		snprintf(why, n, "not an IPv4 or IPv6 address: '%s'", ip);
		return -EINVAL;
	}
	fd = socket(ss.ss_family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&ss, sizeof(ss))) {
		ret = -errno;
		snprintf(why, n, "cannot reach %s: %s", ip, strerror(errno));
		goto out;
	}
	for (k = 0; k < tries; k++) {
		uint8_t req[XP_NTP_LEN], buf[512];
		struct timespec now;
		uint32_t rnd;
		int64_t end;

		clock_gettime(CLOCK_REALTIME, &now);
		/* the low bits random: the transmit timestamp is the request's nonce */
		if (getrandom(&rnd, sizeof(rnd), 0) != sizeof(rnd))
			rnd = (uint32_t)now.tv_nsec ^ (uint32_t)xp_mono_ms();
		sent[k] = (xp_timespec_to_ntp64(&now) & ~0xffffffffULL) | rnd;
		xp_ntp_request(req, 4, 3, sent[k]);
		if (send(fd, req, sizeof(req), 0) < 0) {
			ret = -errno;
			if (ret == -ECONNREFUSED)
				break;
			continue;
		}
		end = xp_mono_ms() + timeout_ms;
		for (int64_t left; (left = end - xp_mono_ms()) > 0;) {
			struct pollfd p = {.fd = fd, .events = POLLIN};
			struct xp_ntp_reply r;
			ssize_t len;
			bool ours = false;

			if (poll(&p, 1, (int)left) <= 0)
				continue;
			len = recv(fd, buf, sizeof(buf), MSG_DONTWAIT);
			if (len < 0) {
				ret = -errno;
				if (ret == -ECONNREFUSED)
					goto refused;
				continue;
			}
			if (xp_ntp_parse(buf, (size_t)len, &r))
				continue; /* too short to be a reply: a stray datagram */
			for (int i = 0; i <= k; i++)
				ours |= r.org == sent[i];
			if (!ours) {
				snprintf(why, n, "%s",
					 "the reply does not echo the request's transmit timestamp");
				ret = -EPROTO;
				goto out;
			}
			ret = judge(&r, why, n);
			if (!ret)
				*out = r;
			goto out;
		}
	}
refused:
	if (ret == -ECONNREFUSED)
		snprintf(why, n, "%s port %u refused the request (ICMP port unreachable)", ip, port);
	else
		snprintf(why, n, "no reply from %s port %u to %d requests of %d ms each", ip, port,
			 tries, timeout_ms);
out:
	if (fd >= 0)
		close(fd);
	return ret;
}
