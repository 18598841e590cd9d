// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* xp_chrony.c - chronyd's command protocol (candm.h): the tracking request, over its socket. */
#include <arpa/inet.h>
#include <errno.h>
#include <libgen.h>
#include <math.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "xp_bytes.h"
#include "xp_chrony.h"
#include "xp_time.h"

#define PROTO_VERSION	6
#define PKT_REQUEST	1
#define PKT_REPLY	2
#define REQ_TRACKING	33
#define RPY_TRACKING	5
#define STT_SUCCESS	0
#define FLOAT_EXP_BITS	7
#define FLOAT_COEF_BITS 25

_Static_assert(sizeof(struct xp_candm_request) == 104, "candm request padded to the reply");
_Static_assert(sizeof(struct xp_candm_reply) == 104, "candm tracking reply: 28 + 76 bytes");

double xp_chrony_float(uint32_t be)
{
	uint32_t x = ntohl(be);
	int32_t exp = x >> FLOAT_COEF_BITS, coef = x & ((1U << FLOAT_COEF_BITS) - 1);

	if (exp >= 1 << (FLOAT_EXP_BITS - 1))
		exp -= 1 << FLOAT_EXP_BITS;
	if (coef >= 1 << (FLOAT_COEF_BITS - 1))
		coef -= 1 << FLOAT_COEF_BITS;
	return ldexp(coef, exp - FLOAT_COEF_BITS);
}

size_t xp_chrony_build_tracking(uint8_t *buf, uint32_t seq)
{
	struct xp_candm_request *r = (struct xp_candm_request *)buf;

	memset(r, 0, sizeof(*r));
	r->version = PROTO_VERSION;
	r->pkt_type = PKT_REQUEST;
	xp_put16(&r->command, REQ_TRACKING);
	xp_put32(&r->sequence, seq);
	return sizeof(*r);
}

int xp_chrony_parse_tracking(const uint8_t *buf, size_t len, uint32_t seq, struct xp_tracking *t)
{
	const struct xp_candm_reply *r = (const struct xp_candm_reply *)buf;
	const struct xp_candm_tracking *d = &r->tracking;
	const struct xp_candm_float *in[] = {
	    &d->current_correction, &d->last_offset,	 &d->rms_offset,
	    &d->freq_ppm,	    &d->resid_freq_ppm,	 &d->skew_ppm,
	    &d->root_delay,	    &d->root_dispersion, &d->last_update_interval};
	double *out[] = {&t->current_correction, &t->last_offset,     &t->rms_offset,
			 &t->freq_ppm,		 &t->resid_freq_ppm,  &t->skew_ppm,
			 &t->root_delay,	 &t->root_dispersion, &t->last_update_interval};

	if (len < sizeof(*r) || r->version != PROTO_VERSION || r->pkt_type != PKT_REPLY)
		return -EINVAL;
	if (xp_get16(&r->command) != REQ_TRACKING || xp_get32(&r->sequence) != seq)
		return -EINVAL;
	if (xp_get16(&r->reply) != RPY_TRACKING || xp_get16(&r->status) != STT_SUCCESS)
		return -EPROTO;
	memset(t, 0, sizeof(*t));
	t->ref_id = xp_get32(&d->ref_id);
	t->stratum = xp_get16(&d->stratum);
	t->leap = xp_get16(&d->leap_status);
	t->ref_time.tv_sec =
	    (time_t)((uint64_t)xp_get32(&d->ref_sec_high) << 32 | xp_get32(&d->ref_sec_low));
	t->ref_time.tv_nsec = xp_get32(&d->ref_nsec);
	if (t->ref_time.tv_nsec >= 1000000000L || t->leap > XP_CHRONY_LEAP_UNSYNC)
		return -EINVAL;
	for (size_t i = 0; i < sizeof(in) / sizeof(in[0]); i++) {
		uint32_t be;

		memcpy(&be, &in[i]->f, 4);
		*out[i] = xp_chrony_float(be);
	}
	return 0;
}

bool xp_chrony_synced(const struct xp_tracking *t, int max_stratum)
{
	return t->leap != XP_CHRONY_LEAP_UNSYNC && t->stratum >= 1 && t->stratum <= max_stratum;
}

int xp_chrony_open(struct xp_chrony *c, const char *server_path, const char *name)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	char dir[sizeof(c->server)];
	int ret = 0;

	memset(c, 0, sizeof(*c));
	c->fd = -1;
	if (strlen(server_path) >= sizeof(c->server))
		return -ENAMETOOLONG;
	strcpy(c->server, server_path);
	strcpy(dir, server_path);
	if (snprintf(c->local, sizeof(c->local), "%s/%s.%d.sock", dirname(dir), name, getpid()) >=
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
		xp_chrony_close(c);
	return ret;
}

int xp_chrony_tracking(struct xp_chrony *c, int timeout_ms, struct xp_tracking *t)
{
	uint8_t req[XP_CHRONY_REQ_LEN], rep[512];
	struct pollfd pfd = {.fd = c->fd, .events = POLLIN};
	size_t len = xp_chrony_build_tracking(req, ++c->seq);
	int64_t deadline = xp_mono_ms() + timeout_ms;
	ssize_t n;

	if (c->fd < 0)
		return -ENOTCONN;
	while (recv(c->fd, rep, sizeof(rep), 0) > 0)
		; /* late replies to earlier requests */
	if (send(c->fd, req, len, 0) < 0)
		return -errno;
	for (;;) {
		int64_t left = deadline - xp_mono_ms();
		int r;

		/* one deadline for the exchange: replies that are not ours never extend it */
		if (left <= 0)
			return -ETIMEDOUT;
		r = poll(&pfd, 1, (int)left);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return r ? -errno : -ETIMEDOUT;
		n = recv(c->fd, rep, sizeof(rep), 0);
		if (n < 0 && (errno == EAGAIN || errno == EINTR))
			continue;
		if (n < 0)
			return -errno;
		r = xp_chrony_parse_tracking(rep, n, c->seq, t);
		if (r != -EINVAL)
			return r; /* otherwise not our reply: keep waiting */
	}
}

void xp_chrony_close(struct xp_chrony *c)
{
	if (c->fd >= 0) {
		close(c->fd);
		unlink(c->local);
	}
	c->fd = -1;
}

int xp_chrony_ask(struct xp_chrony *c, const char *server_path, const char *name, int timeout_ms,
		  struct xp_tracking *t, bool *news)
{
	int last = c->last_err, ret = 0;
	bool was_open = c->fd >= 0;

	if (c->fd < 0)
		ret = xp_chrony_open(c, server_path, name); /* clears c: last_err is restored below */
	if (!ret)
		ret = xp_chrony_tracking(c, timeout_ms, t);
	if (was_open && (ret == -ECONNREFUSED || ret == -ENOTCONN || ret == -ECONNRESET)) {
		/* the socket we were connected to is gone: chronyd restarted (a new socket at the
		 * same path) or stopped; connect again once before calling it unreachable */
		xp_chrony_close(c);
		ret = xp_chrony_open(c, server_path, name);
		if (!ret)
			ret = xp_chrony_tracking(c, timeout_ms, t);
	}
	if (ret)
		xp_chrony_close(c);
	c->last_err = ret;
	*news = ret != last;
	return ret;
}

const char *xp_chrony_advice(const char *path, int err, const char *no_chrony, char *buf,
			     size_t n)
{
	char what[256];

	switch (err) {
	case -ENOENT:
		snprintf(what, sizeof(what), "no such socket: chronyd does not seem to run (start it)");
		break;
	case -ECONNREFUSED:
	case -ENOTCONN:
		snprintf(what, sizeof(what),
			 "%s: nothing listens there, chronyd does not seem to run (start it; the socket "
			 "file is an earlier chronyd's)",
			 strerror(-err));
		break;
	case -EACCES:
	case -EPERM:
		snprintf(what, sizeof(what),
			 "%s: this user may not use it or its directory (run as root, or give this "
			 "user access, e.g. chronyd's group)",
			 strerror(-err));
		break;
	case -ETIMEDOUT:
		snprintf(what, sizeof(what),
			 "no answer in time: chronyd is busy, or cannot write to this program's socket "
			 "beside it");
		break;
	default:
		snprintf(what, sizeof(what), "%s", strerror(-err));
	}
	snprintf(buf, n,
		 "chronyd's command socket %s: %s; chronyd's socket elsewhere: 'chrony-socket PATH' "
		 "in the configuration file or --chrony-socket PATH; no chronyd: 'no-chrony' or "
		 "--no-chrony (%s)",
		 path, what, no_chrony);
	return buf;
}
