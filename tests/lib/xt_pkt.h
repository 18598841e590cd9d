/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* xt_pkt.h - test frames: a builder, RFC 1071 checksums and a reference model of the verdicts. */
#ifndef XT_PKT_H
#define XT_PKT_H

#include <stddef.h>
#include <stdint.h>

#include "xpool_shared.h"

#define XT_Z	    0x100 /* "literally zero" for fields where 0 means the default */
#define XT_MAX_FRAME 512

enum xt_csum { XT_CSUM_FULL, XT_CSUM_PARTIAL, XT_CSUM_ZERO, XT_CSUM_BAD };

/* A frame description; zero fields take the defaults of a plain NTPv4 client request. */
struct xt_spec {
	int vlans;	   /* 0..3 tags */
	int outer_ad;	   /* first tag is 802.1ad */
	int v6;
	int ihl;	   /* IPv4 header words, default 5 */
	int tos;	   /* IPv4 TOS / IPv6 traffic class */
	int frag;	   /* IPv4 frag_off field, host order */
	int proto;	   /* default UDP */
	int v6_ext;	   /* IPv6: a first next-header other than UDP, XT_Z for hop-by-hop */
	int ethertype;	   /* default from v6 */
	const char *src;   /* default 192.0.2.2 / 2001:db8::2 */
	const char *dst;   /* default 192.0.2.1 / 2001:db8::1 */
	int sport;	   /* default 40000, XT_Z for 0 */
	int dport;	   /* default 123 */
	int vn;		   /* NTP version, default 4, XT_Z for 0 */
	int mode;	   /* NTP mode, default 3, XT_Z for 0 */
	int poll;	   /* request poll */
	int ntp_len;	   /* NTP payload length, default 48, XT_Z for 0 */
	int csum;	   /* enum xt_csum */
	int udp_len_delta; /* added to the UDP length field */
	int ip_len_delta;  /* added to the IP length field (checksum still right) */
	int bad_ipcsum;
	int pad;	   /* bytes after the IP packet (Ethernet padding) */
	int ttl;	   /* default 64 */
	const uint8_t *mac_src, *mac_dst; /* default unicast 02:00:00:00:00:02 / :01 */
};

/* Builds the frame; returns its length. */
size_t xt_build(const struct xt_spec *s, uint8_t *buf);

/* RFC 1071 over bytes, big-endian words, not complemented. */
uint32_t xt_sum(const uint8_t *p, size_t n, uint32_t acc);
uint16_t xt_fold(uint32_t acc);

/* Offsets of a frame's layers, found by a plain parser independent of the BPF one. */
struct xt_layers {
	int v6;
	size_t l3, l4, ntp; /* offsets */
	size_t ihl_bytes;
	uint16_t udp_len;
};
int xt_layers(const uint8_t *f, size_t len, struct xt_layers *ly);

/* Checksums of a frame: 1 when the IPv4 header (if any) and UDP checksums are complete and valid. */
int xt_csums_valid(const uint8_t *f, size_t len);
/* Recomputes the IPv4 header checksum and a full UDP checksum in place. */
void xt_fix_csums(uint8_t *f, size_t len);

/* What the program is configured with, for the reference model. */
struct xt_env {
	int control_pass;
	int addr_filter;
	const uint8_t (*addrs)[16]; /* IPv6 or ::ffff:IPv4 */
	int n_addrs;
	int clock_fresh; /* clock data present and not stale */
};

/* Expected action (XDP_*) and counter for a frame, from the specification. */
int xt_model(const uint8_t *f, size_t len, const struct xt_env *env, enum xpool_stat *stat);

/* Expected reply to a request, given the clock slot and the transmit time the program used. */
struct xt_reply_params {
	const struct xpool_clock_slot *slot;
	int8_t min_poll;
	uint64_t ts;	   /* NTP 32.32 the program stamped */
	uint32_t root_disp; /* short format the program sent (growth applied) */
	uint32_t kod_code;  /* non-zero: a kiss-o'-death with this code ("RATE" = 0x52415445) */
};
void xt_expected_reply(const uint8_t *req, size_t len, const struct xt_reply_params *p,
		       uint8_t *out);

#endif
