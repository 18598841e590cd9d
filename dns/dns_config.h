/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* dns_config.h - xpool-dns's directives, from /etc/xpool/dns.conf and the command line. */
#ifndef DNS_CONFIG_H
#define DNS_CONFIG_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>

#include "xp_conf.h"

#define DNS_CONFIG_DEFAULT "/etc/xpool/dns.conf"
#include "xp_geo.h"

#define DNS_MAX_LISTEN	   16
#define DNS_MAX_VENDORS	   64
#define DNS_MAX_NS	   8
#define DNS_MAX_RRL_ALLOW  64
#define DNS_MAX_XDP	   8

struct dns_prefix {
	uint8_t addr[16]; /* IPv4 mapped ::ffff:a.b.c.d */
	int len;	  /* over the 128-bit form */
};

struct dns_config {
	struct sockaddr_storage listen[DNS_MAX_LISTEN];
	socklen_t listen_len[DNS_MAX_LISTEN];
	int n_listen;
	char xdp[DNS_MAX_XDP][16]; /* interfaces answered through AF_XDP */
	int n_xdp;
	char zone[254];
	uint8_t zone_wire[256];
	int zone_wire_len, zone_labels;
	char snapshot[256];
	char geoip[256];   /* "off": no location */
	bool geoip_default; /* not configured: the built-in database, if it is there */
	int threads;
	int max_hosts;
	uint32_t ttl;
	double min_score;
	int min_servers;
	bool aaaa_everywhere;
	bool test_addresses;	  /* snapshot may hold documentation and private addresses */
	bool allow_small_snapshot; /* take a reload that leaves fewer than min-servers */
	uint32_t snapshot_max_mb;   /* a bigger file is refused unread */
	char snapshot_url[512];	    /* fetch the snapshot: HTTP(S), signed */
	char snapshot_key[256];	    /* the Ed25519 public key it must be signed with */
	char snapshot_cache[256];   /* the last good snapshot and signature */
	uint32_t snapshot_poll;	    /* seconds between fetches */
	char vendors[DNS_MAX_VENDORS][64];
	int n_vendors;
	char ns[DNS_MAX_NS][254];
	int n_ns;
	uint32_t rrl_rate;  /* responses per second per /24 or /56; 0 = off */
	uint32_t rrl_slip;  /* every Nth limited response goes out truncated; 0 = never */
	struct dns_prefix rrl_allow[DNS_MAX_RRL_ALLOW];
	int n_rrl_allow;
	uint8_t cookie_secret[16];  /* SipHash-2-4 key shared by the pool's DNS hosts */
	bool cookie_secret_set;	    /* else a random one per start (one host only) */
	uint8_t cookie_prev[16];    /* the previous secret, still accepted (rollover) */
	bool cookie_prev_set;
	uint8_t nsid[128];	    /* RFC 5001 */
	uint8_t nsid_len;
	char metrics[64];
	char chaos_id[128];
	char chaos_version[128];
	uint32_t redraw;    /* seconds between reshuffles of the numbered zones */
	int tcp_max;
	int tcp_max_per_client;
	uint32_t tcp_idle;	 /* seconds without a message */
	uint32_t tcp_io_timeout; /* ms: a whole message, from its first byte */
	bool verbose, check_only;
	char config_path[256];
	int config_err; /* xp_conf_opts.file_err: whether the file was read */
};

int dns_config_load(struct dns_config *c, int argc, char **argv);
/* The directive table (tests compare it with the man pages). */
const struct xp_conf_spec *dns_config_spec(void);
void dns_config_defaults(struct dns_config *c);
/* Fills in what follows from the zone (wire form, labels); 0 or -EINVAL. */
int dns_config_finish(struct dns_config *c);

#endif
