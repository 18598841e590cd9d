// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* dns_config.c - xpool-dns's directives, from /etc/xpool/dns.conf and the command line. */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <net/if.h>

#include "dns_config.h"
#include "dns_cookie.h"
#include "dns_wire.h"
#include "pool_rules.h"
#include "xp_conf.h"
#include "xp_parse.h"

enum { LIST_LISTEN = 1, LIST_VENDOR, LIST_NS, LIST_RRL_ALLOW, LIST_XDP };

static int d_listen(void *cfg, const char *where, int argc, char **argv)
{
	struct dns_config *c = cfg;

	(void)argc;
	if (c->n_listen >= DNS_MAX_LISTEN)
		return xp_conf_bad(where, "listen: at most 16 addresses (%s)", argv[1]);
	if (xp_parse_hostport(argv[1], 53, &c->listen[c->n_listen], &c->listen_len[c->n_listen]))
		return xp_conf_bad(where,
				   "listen: expected a numeric ADDR, ADDR:PORT or [IPv6]:PORT, got '%s'",
				   argv[1]);
	c->n_listen++;
	return 0;
}

static int d_xdp(void *cfg, const char *where, int argc, char **argv)
{
	struct dns_config *c = cfg;

	(void)argc;
	if (c->n_xdp >= DNS_MAX_XDP)
		return xp_conf_bad(where, "xdp: at most 8 interfaces (%s)", argv[1]);
	if (!argv[1][0] || strlen(argv[1]) >= sizeof(c->xdp[0]) || strchr(argv[1], '/'))
		return xp_conf_bad(where, "xdp: expected an interface name, got '%s'", argv[1]);
	for (int i = 0; i < c->n_xdp; i++)
		if (!strcmp(c->xdp[i], argv[1]))
			return xp_conf_bad(where, "xdp: %s given twice", argv[1]);
	strcpy(c->xdp[c->n_xdp++], argv[1]);
	return 0;
}

static int name_ok(const char *s)
{
	uint8_t wire[256];

	return dns_name_to_wire(s, wire, sizeof(wire)) > 1;
}

static int d_zone(void *cfg, const char *where, int argc, char **argv)
{
	struct dns_config *c = cfg;

	(void)argc;
	if (!name_ok(argv[1]))
		return xp_conf_bad(where, "zone: not a domain name: '%s'", argv[1]);
	return xp_conf_string(c->zone, sizeof(c->zone), where, "zone", argv[1]);
}

static int d_geoip(void *cfg, const char *where, int argc, char **argv)
{
	(void)argc;
	((struct dns_config *)cfg)->geoip_default = false;
	return xp_conf_string(((struct dns_config *)cfg)->geoip, 256, where, "geoip", argv[1]);
}

static int d_vendor(void *cfg, const char *where, int argc, char **argv)
{
	struct dns_config *c = cfg;

	(void)argc;
	if (c->n_vendors >= DNS_MAX_VENDORS)
		return xp_conf_bad(where, "vendor: at most 64 (%s)", argv[1]);
	if (strchr(argv[1], '.') || !name_ok(argv[1]) || strlen(argv[1]) >= 64)
		return xp_conf_bad(where, "vendor: expected one label, got '%s'", argv[1]);
	for (char *p = strcpy(c->vendors[c->n_vendors++], argv[1]); *p; p++)
		*p = *p >= 'A' && *p <= 'Z' ? *p + 32 : *p;
	return 0;
}

static int d_ns(void *cfg, const char *where, int argc, char **argv)
{
	struct dns_config *c = cfg;

	(void)argc;
	if (c->n_ns >= DNS_MAX_NS)
		return xp_conf_bad(where, "ns: at most 8 (%s)", argv[1]);
	if (!name_ok(argv[1]))
		return xp_conf_bad(where, "ns: not a domain name: '%s'", argv[1]);
	return xp_conf_string(c->ns[c->n_ns++], 254, where, "ns", argv[1]);
}

static int d_rrl_allow(void *cfg, const char *where, int argc, char **argv)
{
	struct dns_config *c = cfg;
	struct dns_prefix *p = &c->rrl_allow[c->n_rrl_allow];
	uint32_t len;

	(void)argc;
	if (c->n_rrl_allow >= DNS_MAX_RRL_ALLOW)
		return xp_conf_bad(where, "rrl-allow: at most 64 prefixes (%s)", argv[1]);
	if (!strcmp(argv[1], "all") || xp_parse_prefix(argv[1], p->addr, &len, true))
		return xp_conf_bad(where, "rrl-allow: expected ADDR or ADDR/LEN, got '%s'", argv[1]);
	p->len = len;
	c->n_rrl_allow++;
	return 0;
}

static int d_chaos(char *dst, const char *where, const char *name, int argc, char **argv)
{
	size_t o = 0;

	dst[0] = 0;
	/* the words, joined by single spaces; never a pointer past the buffer */
	for (int i = 1; i < argc && o < 128; i++)
		o += snprintf(dst + o, 128 - o, "%s%s", i > 1 ? " " : "", argv[i]);
	if (o >= 128)
		return xp_conf_bad(where, "%s: at most 127 characters", name);
	return 0;
}

static int d_cookie_secret(void *cfg, const char *where, int argc, char **argv)
{
	struct dns_config *c = cfg;
	bool prev = !strcmp(argv[0], "cookie-secret-previous");

	(void)argc;
	if (dns_cookie_parse_secret(argv[1], prev ? c->cookie_prev : c->cookie_secret))
		return xp_conf_bad(where, "%s: expected 32 hex digits (a 128-bit secret)", argv[0]);
	*(prev ? &c->cookie_prev_set : &c->cookie_secret_set) = true;
	return 0;
}

/* NSID: the words as text, or hex:DIGITS for binary. */
static int d_nsid(void *cfg, const char *where, int argc, char **argv)
{
	struct dns_config *c = cfg;
	char text[2 * DNS_NSID_MAX + 8] = "";
	size_t o = 0;

	/* never a pointer past the buffer: stop once it is full */
	for (int i = 1; i < argc && o < sizeof(text); i++)
		o += snprintf(text + o, sizeof(text) - o, "%s%s", i > 1 ? " " : "", argv[i]);
	if (o >= sizeof(text))
		return xp_conf_bad(where, "nsid: at most %s bytes", "128");
	if (argc == 2 && !strncmp(argv[1], "hex:", 4)) {
		size_t n = strlen(argv[1] + 4);

		if (n % 2 || n / 2 > DNS_NSID_MAX || !n)
			return xp_conf_bad(where, "nsid: hex:DIGITS, an even number, at most %s bytes",
					   "128");
		for (size_t i = 0; i < n / 2; i++) {
			unsigned b;

			if (!isxdigit((unsigned char)argv[1][4 + 2 * i]) ||
			    !isxdigit((unsigned char)argv[1][5 + 2 * i]) ||
			    sscanf(argv[1] + 4 + 2 * i, "%2x", &b) != 1)
				return xp_conf_bad(where, "nsid: not hex: '%s'", argv[1] + 4);
			c->nsid[i] = b;
		}
		c->nsid_len = n / 2;
		return 0;
	}
	if (o > DNS_NSID_MAX)
		return xp_conf_bad(where, "nsid: at most %s bytes", "128");
	memcpy(c->nsid, text, o);
	c->nsid_len = o;
	return 0;
}

static int d_chaos_id(void *cfg, const char *where, int argc, char **argv)
{
	return d_chaos(((struct dns_config *)cfg)->chaos_id, where, "chaos-id", argc, argv);
}

static int d_chaos_version(void *cfg, const char *where, int argc, char **argv)
{
	return d_chaos(((struct dns_config *)cfg)->chaos_version, where, "chaos-version", argc,
		       argv);
}

#define C struct dns_config
static const struct xp_directive directives[] = {
	XP_FN("listen", 1, 1, LIST_LISTEN, d_listen, NULL, "ADDR[:PORT]|[IPv6]:PORT",
	      "UDP and TCP, port 53 unless given"),
	XP_FN("xdp", 1, 1, LIST_XDP, d_xdp, NULL, "IFACE",
	      "answer UDP to the listen addresses on IFACE through AF_XDP"),
	XP_FN("zone", 1, 1, 0, d_zone, "pool.ntp.org", "NAME", "the pool's apex"),
	XP_STRING("snapshot", C, snapshot, NULL, "FILE", "the server list (JSON), required"),
	XP_FN("geoip", 1, 1, 0, d_geoip, NULL, "FILE|off",
	      "mmdb (MaxMind or ip-location-db) (default " XP_GEOIP_INSTALLED ")"),
	XP_INT("threads", C, threads, 1, 64, "1", "N", "UDP worker threads"),
	XP_INT("max-hosts", C, max_hosts, 1, 16, "4", "N", "addresses per answer"),
	XP_INT("ttl", C, ttl, 1, 86400, "150", "SEC", "TTL of answers (the pool's)"),
	XP_DOUBLE("min-score", C, min_score, -100, 20, POOL_MIN_SCORE_TEXT, "X", "servers listed from this score"),
	XP_INT("min-servers", C, min_servers, 1, 1000, "2", "N",
	       "below: fall back to continent, then global; a reload may not leave fewer"),
	XP_FLAG("aaaa-everywhere", C, aaaa_everywhere, "AAAA in every zone, not only under 2."),
	XP_FLAG("test-addresses", C, test_addresses,
		"the snapshot may list documentation and private addresses (test pools)"),
	XP_FLAG("allow-small-snapshot", C, allow_small_snapshot,
		"take a reload that lists fewer than min-servers"),
	XP_STRING_SECRET("snapshot-url", C, snapshot_url, NULL, "URL",
			 "fetch the snapshot over HTTP(S) instead of reading a file",
			 xp_conf_secret_uri),
	XP_STRING("snapshot-key", C, snapshot_key, NULL, "FILE",
		  "the public key a fetched snapshot must be signed with (xpoolctl key generate)"),
	XP_STRING("snapshot-cache", C, snapshot_cache, NULL, "FILE",
		  "the last good fetched snapshot with its signature, one file: the start when the "
		  "URL is down"),
	XP_INT("snapshot-poll", C, snapshot_poll, 1, 86400, "60", "SEC",
	       "between fetches (conditional GETs)"),
	XP_INT("snapshot-max-mb", C, snapshot_max_mb, 1, 4096, "32", "MB",
	       "a bigger snapshot is refused unread (about 500,000 servers fit in 32 MB)"),
	XP_FN("vendor", 1, 1, LIST_VENDOR, d_vendor, NULL, "NAME", "N.NAME.zone is N.zone"),
	XP_FN("ns", 1, 1, LIST_NS, d_ns, NULL, "NAME", "NS records at the apex (ns1.ZONE unless given)"),
	XP_INT("rrl-rate", C, rrl_rate, 0, 1000000, "0", "N",
	       "responses per second per IPv4 /24 or IPv6 /56, 0: off"),
	XP_INT("rrl-slip", C, rrl_slip, 0, 10, "2", "N", "every Nth limited answer truncated, 0: never"),
	XP_FN("rrl-allow", 1, 1, LIST_RRL_ALLOW, d_rrl_allow, NULL, "PREFIX", "never limited"),
	XP_HOSTPORT("metrics", C, metrics, NULL, "Prometheus endpoint"),
	XP_FN_SECRET("cookie-secret", 1, 1, 0, d_cookie_secret, NULL, "HEX",
		     "DNS Cookies secret, 32 hex digits, the same on every host "
		     "(random unless given)",
		     xp_conf_secret_always),
	XP_FN_SECRET("cookie-secret-previous", 1, 1, 0, d_cookie_secret, NULL, "HEX",
		     "the secret before, still accepted while rolling over", xp_conf_secret_always),
	XP_FN("nsid", 1, 15, 0, d_nsid, NULL, "TEXT|hex:HEX", "this host's NSID (RFC 5001)"),
	XP_FN("chaos-id", 0, 15, 0, d_chaos_id, NULL, "TEXT",
	      "id.server and hostname.bind (empty: REFUSED)"),
	XP_FN("chaos-version", 0, 15, 0, d_chaos_version, "xpool-dns", "TEXT",
	      "version.bind (empty: REFUSED)"),
	XP_INT("redraw", C, redraw, 10, 86400, "3600", "SEC", "reshuffle the numbered zones"),
	XP_INT("tcp-max-conns", C, tcp_max, 1, 65536, "256", "N", "open TCP connections"),
	XP_INT("tcp-max-conns-per-client", C, tcp_max_per_client, 1, 65536, "16", "N",
	       "TCP connections from one IPv4 address or IPv6 /64"),
	XP_INT("tcp-idle-timeout", C, tcp_idle, 1, 3600, "10", "SEC",
	       "a TCP connection without a message is closed"),
	XP_INT("tcp-io-timeout", C, tcp_io_timeout, 100, 60000, "2000", "MS",
	       "a whole message, from its first byte"),
};
#undef C

static void clear_list(void *cfg, int list)
{
	struct dns_config *c = cfg;

	if (list == LIST_LISTEN)
		c->n_listen = 0;
	else if (list == LIST_VENDOR)
		c->n_vendors = 0;
	else if (list == LIST_NS)
		c->n_ns = 0;
	else if (list == LIST_XDP)
		c->n_xdp = 0;
	else
		c->n_rrl_allow = 0;
}

static const struct xp_conf_spec spec = {
	.prog = "xpool-dns",
	.default_path = DNS_CONFIG_DEFAULT,
	.dirs = directives,
	.n_dirs = sizeof(directives) / sizeof(directives[0]),
	.clear_list = clear_list,
	.short_opt = 'l',
	.short_target = "listen",
};

void dns_config_defaults(struct dns_config *c)
{
	memset(c, 0, sizeof(*c));
	xp_conf_defaults(&spec, c); /* the table's: every limit and default lives there */
	snprintf(c->geoip, sizeof(c->geoip), "%s", XP_GEOIP_INSTALLED);
	c->geoip_default = true;
}

const struct xp_conf_spec *dns_config_spec(void)
{
	return &spec;
}

int dns_config_finish(struct dns_config *c)
{
	c->zone_wire_len = dns_name_to_wire(c->zone, c->zone_wire, sizeof(c->zone_wire));
	if (c->zone_wire_len < 2)
		return -EINVAL;
	c->zone_labels = 0;
	for (int o = 0; c->zone_wire[o]; o += c->zone_wire[o] + 1)
		c->zone_labels++;
	if (!c->n_ns && strlen(c->zone) + 5 <= sizeof(c->ns[0])) {
		memcpy(c->ns[0], "ns1.", 4);
		strcpy(c->ns[0] + 4, c->zone);
		c->n_ns = name_ok(c->ns[0]);
	}
	return 0;
}

int dns_config_load(struct dns_config *c, int argc, char **argv)
{
	struct xp_conf_opts o = { .config_path = "" };
	int ret;

	dns_config_defaults(c);
	ret = xp_conf_load(&spec, c, argc, argv, &o);
	memcpy(c->config_path, o.config_path, sizeof(c->config_path));
	c->check_only = o.check_only;
	c->config_err = o.file_err;
	c->verbose = o.verbose;
	if (!ret && !c->n_listen) {
		fprintf(stderr, "xpool-dns: no listen address: give 'listen ADDR' or -l ADDR\n");
		ret = -EINVAL;
	}
	for (int i = 0; !ret && i < c->n_xdp; i++)
		if (!if_nametoindex(c->xdp[i])) {
			fprintf(stderr, "xpool-dns: xdp %s: no such interface\n", c->xdp[i]);
			ret = -ENODEV;
		}
	if (!ret && !c->snapshot[0] == !c->snapshot_url[0]) {
		fprintf(stderr, "xpool-dns: give one of 'snapshot FILE' and 'snapshot-url URL'\n");
		ret = -EINVAL;
	}
	if (!ret && c->snapshot_url[0] && !c->snapshot_key[0]) {
		fprintf(stderr, "xpool-dns: snapshot-url needs snapshot-key (the public key)\n");
		ret = -EINVAL;
	}
	if (!ret && c->tcp_max_per_client > c->tcp_max)
		c->tcp_max_per_client = c->tcp_max; /* one client may fill an idle table */
	if (!ret)
		ret = dns_config_finish(c);
	return ret;
}
