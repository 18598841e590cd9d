/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* xp_chrony.h - chronyd's command protocol (candm.h): the tracking request, over its socket. */
#ifndef XP_CHRONY_H
#define XP_CHRONY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

/*
 * candm.h, protocol version 6 (chrony 2.2 and later), laid out as chronyd sends it: every
 * field in network order. A request is padded to the length of the reply it expects.
 */
struct xp_candm_request {
	uint8_t version, pkt_type, res1, res2;
	uint16_t command, attempt;
	uint32_t sequence, pad1, pad2;
	uint8_t data[84]; /* REQ_TRACKING has no data: padding to the reply's 104 bytes */
} __attribute__((packed));

struct xp_candm_float {
	uint32_t f; /* 7-bit exponent, 25-bit coefficient */
} __attribute__((packed));

struct xp_candm_tracking {
	uint32_t ref_id;
	uint8_t ip_addr[16];
	uint16_t ip_family, ip_pad;
	uint16_t stratum, leap_status;
	uint32_t ref_sec_high, ref_sec_low, ref_nsec;
	struct xp_candm_float current_correction, last_offset, rms_offset, freq_ppm, resid_freq_ppm,
	    skew_ppm, root_delay, root_dispersion, last_update_interval;
} __attribute__((packed));

struct xp_candm_reply {
	uint8_t version, pkt_type, res1, res2;
	uint16_t command, reply, status, pad1, pad2, pad3;
	uint32_t sequence, pad4, pad5;
	struct xp_candm_tracking tracking;
} __attribute__((packed));

#define XP_CHRONY_REQ_LEN   sizeof(struct xp_candm_request)
#define XP_CHRONY_REPLY_LEN sizeof(struct xp_candm_reply) /* header 28, tracking 76 */

enum { XP_CHRONY_LEAP_NORMAL, XP_CHRONY_LEAP_INSERT, XP_CHRONY_LEAP_DELETE, XP_CHRONY_LEAP_UNSYNC };

/* What `chronyc tracking` shows, as numbers. */
struct xp_tracking {
	uint32_t ref_id; /* host order: 0x7f7f0101 is 127.127.1.1 */
	uint16_t stratum;
	uint16_t leap;
	struct timespec ref_time;
	double current_correction, last_offset, rms_offset, freq_ppm, resid_freq_ppm, skew_ppm;
	double root_delay, root_dispersion, last_update_interval;
};

/* Wire code, no I/O: builds a tracking request, parses a reply (0 or -EINVAL / -EPROTO). */
size_t xp_chrony_build_tracking(uint8_t *buf, uint32_t seq);
int xp_chrony_parse_tracking(const uint8_t *buf, size_t len, uint32_t seq, struct xp_tracking *t);
/* chrony's 32-bit float, network order. */
double xp_chrony_float(uint32_t be);

/*
 * The one "chronyd is synchronised" rule: leap status known and a stratum from 1 to
 * max_stratum (15 for a clock that is used, 14 for one that is served at stratum + 1).
 */
bool xp_chrony_synced(const struct xp_tracking *t, int max_stratum);

struct xp_chrony {
	int fd;
	uint32_t seq;
	char local[108];
	char server[108];
	int last_err; /* xp_chrony_ask's last outcome (0 or -errno), kept across reopening */
};

/*
 * Binds a client socket next to the server's (chronyd only answers bound clients), named
 * after the program: "DIR/NAME.PID.sock".
 */
int xp_chrony_open(struct xp_chrony *c, const char *server_path, const char *name);
/* One request with a deadline for the whole exchange: 0, -ETIMEDOUT, or -errno. */
int xp_chrony_tracking(struct xp_chrony *c, int timeout_ms, struct xp_tracking *t);
void xp_chrony_close(struct xp_chrony *c);

/*
 * What both daemons do every time: opens c when it is closed, asks for tracking, closes it on
 * failure (chronyd may restart). 0, or the -errno of the step that failed (the open's -ENOENT or
 * -ECONNREFUSED, not a later -ENOTCONN). *news: the outcome differs from the previous call's (a
 * new failure, or an answer after failures), so that it is logged once, not every call.
 */
int xp_chrony_ask(struct xp_chrony *c, const char *server_path, const char *name, int timeout_ms,
		  struct xp_tracking *t, bool *news);

/*
 * What to do when chronyd's socket at path fails with err (from xp_chrony_ask): the path, whether
 * chronyd seems not to run, the chrony-socket directive and flag, and no-chrony with what it
 * means for this program (no_chrony). Written to buf (no newline); returns buf.
 */
const char *xp_chrony_advice(const char *path, int err, const char *no_chrony, char *buf,
			     size_t n);

#endif
