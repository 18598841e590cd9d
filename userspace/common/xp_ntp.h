/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* xp_ntp.h - the client side of NTP on the wire: requests, replies, offset and delay. */
#ifndef XP_NTP_H
#define XP_NTP_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#define XP_NTP_LEN 48

/* How a check's note starts when a server announced a leap second on the wrong day. */
#define XP_NTP_NOTE_LEAP "leap warning"

struct xp_ntp_reply {
	uint8_t li, vn, mode, stratum;
	int8_t poll, precision;
	uint32_t root_delay, root_disp; /* NTP short format */
	uint32_t refid;			/* as on the wire, big-endian bytes in order */
	uint64_t ref, org, rx, tx;	/* NTP 32.32 */
};

/* A request with version vn and mode (3: client) whose transmit timestamp is xmt. */
void xp_ntp_request(uint8_t req[XP_NTP_LEN], int vn, int mode, uint64_t xmt);

/* Decodes a reply's header (at least 48 bytes): 0 or -EINVAL. */
int xp_ntp_parse(const uint8_t *p, size_t len, struct xp_ntp_reply *r);

/* RFC 5905 offset and round-trip delay in seconds; t1 sent and t4 received, local clock. */
void xp_ntp_offset_delay(const struct xp_ntp_reply *r, const struct timespec *t1,
			 const struct timespec *t4, double *offset, double *delay);

/*
 * The check the pool makes before it lists a server: a client request (v4) to ip:port, up to
 * tries times, each with a deadline of timeout_ms from its send that no datagram extends. The
 * first reply of the server's decides: it must be a server reply (mode 4) echoing one of our
 * transmit timestamps, of stratum 1 to 15, synchronised (LI not 3) with a transmit time.
 * 0 and *out; otherwise -ETIMEDOUT, -ECONNREFUSED, -EPROTO (a wrong reply) or -errno, with
 * the reason for the volunteer in why.
 */
int xp_ntp_probe(const char *ip, uint16_t port, int tries, int timeout_ms,
		 struct xp_ntp_reply *out, char *why, size_t n);

#endif
