/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* xpool_shared.h - the one contract between the XDP NTP responder and userspace. */
#ifndef XPOOL_SHARED_H
#define XPOOL_SHARED_H

#include <linux/types.h>

#define XPOOL_NTP_PORT 123

/*
 * The maps, by the names they are pinned under (LIBBPF_PIN_BY_NAME): userspace finds them by
 * these, the BPF program declares them with the same names. An enum indexes the daemon's fds.
 */
#define XPOOL_MAP_NAME_CLOCK	 "xpool_clock"
#define XPOOL_MAP_NAME_CONFIG	 "xpool_config"
#define XPOOL_MAP_NAME_ADDRS	 "xpool_addrs"
#define XPOOL_MAP_NAME_ACL	 "xpool_acl"
#define XPOOL_MAP_NAME_STATS	 "xpool_stats"
#define XPOOL_MAP_NAME_RATELIMIT "xpool_ratelimit"
#define XPOOL_MAP_NAME_NEXT	 "xpool_next" /* xdp-next: slot 0, the program after xpool */

enum xpool_map {
	XPOOL_MAP_CLOCK,
	XPOOL_MAP_CONFIG,
	XPOOL_MAP_ADDRS,
	XPOOL_MAP_ACL,
	XPOOL_MAP_STATS,
	XPOOL_MAP_RATELIMIT,
	XPOOL_MAP_NEXT,
	XPOOL_MAP__MAX
};
#define XPOOL_NTP_HDR_LEN 48

/* Clock data older than this is never served (used when a slot says 0). */
#define XPOOL_STALE_DEFAULT_NS (10ULL * 1000000000ULL)
/* Upper bound userspace may publish; keeps the fixed-point maths below in range. */
#define XPOOL_STALE_MAX_NS (3600ULL * 1000000000ULL)

/*
 * Root dispersion growth: short-format (16.16 s) units per 2^40 ns of age.
 * 15 ppm (RFC 5905 PHI) = 15e-6 * 65536 * 2^40 / 1e9 = 1080.86.
 */
#define XPOOL_DISP_RATE_SHIFT 40
#define XPOOL_DISP_RATE_PHI   1081
#define XPOOL_DISP_RATE_MAX   (1U << 20) /* 1.5% : far beyond any sane clock */

enum xpool_clock_flags {
	XPOOL_CLOCK_SYNCED = 1, /* clear: reply LI=3, stratum 0, refid 0, as chrony does */
};

/*
 * One published view of the clock. All timing is relative to CLOCK_MONOTONIC, which is
 * what bpf_ktime_get_ns() reads: wall time now = ntp_time + (ktime - mono_ns).
 */
struct xpool_clock_slot {
	__u64 mono_ns;	  /* CLOCK_MONOTONIC of the read; 0 = never written */
	__u64 ntp_time;	  /* NTP 32.32 time at mono_ns, era-wrapped (mod 2^32 s) */
	__u64 stale_ns;	  /* pass every request once the data is older; 0 = default */
	__be64 ref_time;  /* reference timestamp, wire order */
	__be32 root_delay; /* NTP short format, wire order */
	__u32 root_disp;  /* NTP short format, host order: the program adds growth */
	__be32 refid;	  /* wire order */
	__u32 disp_rate;  /* growth, see XPOOL_DISP_RATE_SHIFT */
	__u8 leap;	  /* LI 0..2 while synchronised */
	__u8 stratum;	  /* 1..15 while synchronised */
	__s8 precision;	  /* log2 seconds */
	__u8 flags;	  /* enum xpool_clock_flags */
	__u32 pad;
};

/*
 * The one "slot is synchronised" rule, for the BPF program (LI=3, stratum 0 otherwise) and for
 * userspace reports: flagged, a stratum from 1 to 15, and a leap indicator from 0 to 2.
 */
static inline int xpool_slot_synced(const struct xpool_clock_slot *s)
{
	return (s->flags & XPOOL_CLOCK_SYNCED) && s->stratum >= 1 && s->stratum <= 15 &&
	       s->leap <= 2;
}

/*
 * Latch (two slots and a sequence): the writer bumps seq, rewrites slot[0], bumps seq,
 * rewrites slot[1]. Readers use slot[seq & 1] and retry when seq moved under them, so
 * they never block and never return a half-written slot. The map is BPF_F_MMAPABLE and
 * the writer updates it in place through mmap().
 */
struct xpool_clock {
	__u64 seq;
	struct xpool_clock_slot slot[2];
};

enum xpool_control_mode {
	XPOOL_CONTROL_DROP = 0, /* mode 6/7 (ntpq, monlist) dropped: the default */
	XPOOL_CONTROL_PASS = 1, /* handed to the kernel stack */
};

/* Written rarely by userspace; an all-zero value is a safe default. */
struct xpool_config {
	__u32 control_mode;    /* enum xpool_control_mode */
	__u32 addr_filter;     /* 0: answer for every destination; 1: only those in xpool_addrs */
	__s8 min_poll;	       /* reply poll = max(request poll, min_poll), as chrony does */
	__u8 unsync_pass;      /* 1: while unsynchronised, pass requests instead of LI=3 replies */
	__u8 acl_enabled;      /* 1: look every client up in xpool_acl */
	__u8 rl_enabled;       /* 1: per-client rate limit (xpool_ratelimit) */
	__u8 rl_leak;	       /* 0: none; N: let one in 2^N limited requests through */
	__u8 rl_kod;	       /* limited requests get a RATE KoD instead of a drop */
	__u8 pad[2];
	__u64 rl_interval_ns;  /* GCRA emission interval: the average gap allowed */
	__u64 rl_tolerance_ns; /* GCRA burst tolerance: (burst - 1) * interval */
};

enum xpool_acl_action {
	XPOOL_ACL_ALLOW = 0,
	XPOOL_ACL_DENY = 1,	/* drop */
	XPOOL_ACL_DENY_KOD = 2, /* DENY kiss-o'-death */
};

/* Key of xpool_acl (LPM trie): IPv4 prefixes mapped into ::ffff:0:0/96 (prefixlen + 96). */
struct xpool_acl_key {
	__u32 prefixlen;
	__u8 addr[16];
};

/* Rate limit keys: an IPv4 /32 (mapped) or an IPv6 /64 (low 64 bits zero). */
#define XPOOL_RATELIMIT_CLIENTS_DEFAULT 131072

/* Key of xpool_addrs: an IPv6 address, or an IPv4 one mapped as ::ffff:a.b.c.d. */
struct xpool_addr {
	__u8 addr[16];
};

/*
 * Verdict counters: one per reason, indexing the per-CPU array xpool_stats.
 * X(name, verdict, description): the list is the single source for the enum and the
 * names userspace prints.
 */
#define XPOOL_STATS(X)                                                                           \
	X(REPLY, "tx", "replies sent, clock synchronised")                                        \
	X(REPLY_UNSYNC, "tx", "replies sent with LI=3, stratum 0 (clock unsynchronised)")           \
	X(PASS_NOT_IP, "pass", "not IPv4 or IPv6 (after at most two VLAN tags)")                    \
	X(PASS_NOT_UDP, "pass", "IP but not UDP")                                                   \
	X(PASS_OTHER_PORT, "pass", "UDP to a port other than 123")                                  \
	X(PASS_FRAGMENT, "pass", "IPv4 fragment")                                                   \
	X(PASS_IPV6_EXT, "pass", "IPv6 with extension headers")                                     \
	X(PASS_L3_INVALID, "pass", "truncated or invalid L2/L3/L4 header: the kernel decides")      \
	X(PASS_NOT_OURS, "pass", "destination not in the address map")                             \
	X(PASS_AUTH, "pass", "NTP with a MAC or crypto-NAK (symmetric keys)")                       \
	X(PASS_EXTENSION, "pass", "NTPv4 with extension fields (NTS)")                              \
	X(PASS_MODE, "pass", "NTP mode other than client (symmetric, server, broadcast)")           \
	X(PASS_VERSION, "pass", "NTP version 0 or above 4")                                         \
	X(PASS_CONTROL, "pass", "NTP mode 6/7 with control-mode pass")                              \
	X(PASS_BAD_CSUM, "pass", "UDP checksum neither valid nor partial: the kernel drops it")     \
	X(PASS_STALE, "pass", "clock data never written or older than its limit")                  \
	X(PASS_CLOCK_BUSY, "pass", "clock data changed during every read attempt")                 \
	X(DROP_CONTROL, "drop", "NTP mode 6/7 (control, monlist)")                                  \
	X(DROP_BAD_ADDR, "drop", "source port 0, or an address no real client uses")                \
	X(DROP_MALFORMED, "drop", "to port 123 and broken: bad UDP length, short NTP header")     \
	X(PASS_UNSYNC, "pass", "clock unsynchronised and unsync pass configured")                  \
	X(REPLY_RATE_LEAK, "tx", "rate limited, let through by leak")                              \
	X(KOD_RATE, "tx", "rate limited: RATE kiss-o'-death sent")                                  \
	X(DROP_RATE, "drop", "rate limited: dropped")                                              \
	X(KOD_DENY, "tx", "denied by an ACL entry: DENY kiss-o'-death sent")                        \
	X(DROP_DENIED, "drop", "denied by an ACL entry: dropped")                                 \
	X(DROP_BAD_MAC, "drop", "Ethernet source or destination is broadcast or multicast")

#define XPOOL_STAT_ENUM(name, verdict, desc) XPOOL_STAT_##name,
enum xpool_stat { XPOOL_STATS(XPOOL_STAT_ENUM) XPOOL_STAT__MAX };
#undef XPOOL_STAT_ENUM

/*
 * Nanoseconds to NTP 32.32 units without a division (hot path): split at 2^30 ns.
 * 2^30 ns = 2^62 / 1e9 units (truncated: 0.43 unit, 1e-10 s, per 1.07 s of age);
 * the low part uses 2^63 / 1e9 rounded, shifted by 31; lo < 2^30 keeps the product
 * below 2^64. Exact to one unit (233 ps) for ages up to XPOOL_STALE_MAX_NS.
 */
static inline __u64 xpool_ns_to_ntp64(__u64 ns)
{
	__u64 hi = ns >> 30, lo = ns & ((1ULL << 30) - 1);

	return hi * 4611686018ULL + ((lo * 9223372037ULL) >> 31);
}

#endif /* XPOOL_SHARED_H */
