// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* xp_ntp.c - the client side of NTP on the wire: requests, replies, offset and delay. */
#include <errno.h>
#include <string.h>

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
