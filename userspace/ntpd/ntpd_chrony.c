// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* ntpd_chrony.c - chronyd's command protocol: the tracking request, over its Unix socket. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <math.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "ntpd_chrony.h"

/* candm.h, protocol version 6 (chrony 2.2 and later) */
#define PROTO_VERSION	6
#define PKT_REQUEST	1
#define PKT_REPLY	2
#define REQ_TRACKING	33
#define RPY_TRACKING	5
#define STT_SUCCESS	0
#define REPLY_HDR_LEN	28
#define FLOAT_EXP_BITS	7
#define FLOAT_COEF_BITS 25

static uint16_t get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static uint32_t get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

double ntpd_chrony_float(uint32_t be)
{
	uint32_t x = ntohl(be);
	int32_t exp = x >> FLOAT_COEF_BITS, coef = x & ((1U << FLOAT_COEF_BITS) - 1);

	if (exp >= 1 << (FLOAT_EXP_BITS - 1))
		exp -= 1 << FLOAT_EXP_BITS;
	if (coef >= 1 << (FLOAT_COEF_BITS - 1))
		coef -= 1 << FLOAT_COEF_BITS;
	return ldexp(coef, exp - FLOAT_COEF_BITS);
}

size_t ntpd_chrony_build_tracking(uint8_t *buf, uint32_t seq)
{
	uint32_t nseq = htonl(seq);

	memset(buf, 0, NTPD_CHRONY_REQ_LEN);
	buf[0] = PROTO_VERSION;
	buf[1] = PKT_REQUEST;
	buf[4] = REQ_TRACKING >> 8;
	buf[5] = REQ_TRACKING & 0xff;
	memcpy(buf + 8, &nseq, 4);
	return NTPD_CHRONY_REQ_LEN;
}

int ntpd_chrony_parse_tracking(const uint8_t *buf, size_t len, uint32_t seq,
			       struct ntpd_tracking *t)
{
	const uint8_t *d = buf + REPLY_HDR_LEN;
	double *f[] = { &t->current_correction, &t->last_offset, &t->rms_offset, &t->freq_ppm,
			&t->resid_freq_ppm, &t->skew_ppm, &t->root_delay, &t->root_dispersion,
			&t->last_update_interval };
	uint64_t sec;

	if (len < NTPD_CHRONY_REPLY_LEN || buf[0] != PROTO_VERSION || buf[1] != PKT_REPLY)
		return -EINVAL;
	if (get16(buf + 4) != REQ_TRACKING || get32(buf + 16) != seq)
		return -EINVAL;
	if (get16(buf + 6) != RPY_TRACKING || get16(buf + 8) != STT_SUCCESS)
		return -EPROTO;
	memset(t, 0, sizeof(*t));
	t->ref_id = get32(d);
	/* d + 4: the reference's IPAddr (20 bytes), not needed */
	t->stratum = get16(d + 24);
	t->leap = get16(d + 26);
	sec = (uint64_t)get32(d + 28) << 32 | get32(d + 32);
	t->ref_time.tv_sec = (time_t)sec;
	t->ref_time.tv_nsec = get32(d + 36);
	if (t->ref_time.tv_nsec >= 1000000000L || t->leap > NTPD_CHRONY_LEAP_UNSYNC)
		return -EINVAL;
	for (size_t i = 0; i < sizeof(f) / sizeof(f[0]); i++) {
		uint32_t be;

		memcpy(&be, d + 40 + 4 * i, 4);
		*f[i] = ntpd_chrony_float(be);
	}
	return 0;
}

int ntpd_chrony_open(struct ntpd_chrony *c, const char *server_path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	char dir[sizeof(c->server)];
	int ret = 0;

	memset(c, 0, sizeof(*c));
	c->fd = -1;
	if (strlen(server_path) >= sizeof(c->server))
		return -ENAMETOOLONG;
	strcpy(c->server, server_path);
	strcpy(dir, server_path);
	if (snprintf(c->local, sizeof(c->local), "%s/xpool-ntpd.%d.sock", dirname(dir), getpid()) >=
	    (int)sizeof(c->local))
		return -ENAMETOOLONG;
	c->fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (c->fd < 0) {
		ret = -errno;
		goto out;
	}
	unlink(c->local);
	strcpy(sa.sun_path, c->local);
	if (bind(c->fd, (struct sockaddr *)&sa, sizeof(sa))) {
		ret = -errno;
		goto out;
	}
	/* chronyd runs unprivileged and must be able to answer */
	chmod(c->local, 0666);
	strcpy(sa.sun_path, c->server);
	if (connect(c->fd, (struct sockaddr *)&sa, sizeof(sa)))
		ret = -errno;
out:
	if (ret)
		ntpd_chrony_close(c);
	return ret;
}

int ntpd_chrony_tracking(struct ntpd_chrony *c, int timeout_ms, struct ntpd_tracking *t)
{
	uint8_t req[NTPD_CHRONY_REQ_LEN], rep[512];
	struct pollfd pfd = { .fd = c->fd, .events = POLLIN };
	size_t len = ntpd_chrony_build_tracking(req, ++c->seq);
	ssize_t n;

	if (c->fd < 0)
		return -ENOTCONN;
	while (recv(c->fd, rep, sizeof(rep), 0) > 0)
		; /* late replies to earlier requests */
	if (send(c->fd, req, len, 0) < 0)
		return -errno;
	for (;;) {
		int r = poll(&pfd, 1, timeout_ms);

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return r ? -errno : -ETIMEDOUT;
		n = recv(c->fd, rep, sizeof(rep), 0);
		if (n < 0)
			return -errno;
		r = ntpd_chrony_parse_tracking(rep, n, c->seq, t);
		if (r != -EINVAL)
			return r; /* otherwise not our reply: keep waiting */
	}
}

void ntpd_chrony_close(struct ntpd_chrony *c)
{
	if (c->fd >= 0) {
		close(c->fd);
		unlink(c->local);
	}
	c->fd = -1;
}
