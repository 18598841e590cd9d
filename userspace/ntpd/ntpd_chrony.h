/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* ntpd_chrony.h - chronyd's command protocol: the tracking request, over its Unix socket. */
#ifndef NTPD_CHRONY_H
#define NTPD_CHRONY_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#define NTPD_CHRONY_REQ_LEN   104 /* padded to the reply's length, as chronyd requires */
#define NTPD_CHRONY_REPLY_LEN 104 /* header 28, tracking data 76 (lengths stop before EOR) */

enum { NTPD_CHRONY_LEAP_NORMAL, NTPD_CHRONY_LEAP_INSERT, NTPD_CHRONY_LEAP_DELETE,
       NTPD_CHRONY_LEAP_UNSYNC };

/* What `chronyc tracking` shows, as numbers. */
struct ntpd_tracking {
	uint32_t ref_id; /* host order: 0x7f7f0101 is 127.127.1.1 */
	uint16_t stratum;
	uint16_t leap;
	struct timespec ref_time;
	double current_correction, last_offset, rms_offset, freq_ppm, resid_freq_ppm, skew_ppm;
	double root_delay, root_dispersion, last_update_interval;
};

/* Wire code, no I/O: builds a tracking request, parses a reply (0 or -EINVAL / -EPROTO). */
size_t ntpd_chrony_build_tracking(uint8_t *buf, uint32_t seq);
int ntpd_chrony_parse_tracking(const uint8_t *buf, size_t len, uint32_t seq,
			       struct ntpd_tracking *t);
/* chrony's 32-bit float: 7-bit exponent, 25-bit coefficient, network order. */
double ntpd_chrony_float(uint32_t be);

struct ntpd_chrony {
	int fd;
	uint32_t seq;
	char local[108];
	char server[108];
};

/* Binds a client socket next to the server's (chronyd only answers bound clients). */
int ntpd_chrony_open(struct ntpd_chrony *c, const char *server_path);
/* One request with a timeout: 0, -ETIMEDOUT, or -errno. */
int ntpd_chrony_tracking(struct ntpd_chrony *c, int timeout_ms, struct ntpd_tracking *t);
void ntpd_chrony_close(struct ntpd_chrony *c);

#endif
