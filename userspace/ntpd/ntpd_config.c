// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* ntpd_config.c - xpool-ntpd's directives, from /etc/xpool/ntpd.conf and the command line. */
#include <arpa/inet.h>
#include <errno.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ntpd_config.h"
#include "xp_conf.h"
#include "xp_parse.h"

#define bad  xp_conf_bad
#define num(where, name, s, min, max, v) xp_conf_long(where, name, s, min, max, v)

#define parse_prefix xp_parse_prefix

static int d_interface(void *cfg, const char *where, int argc, char **argv)
{
	struct ntpd_config *c = cfg;

	(void)argc;
	if (c->n_if >= RSP_MAX_IFACES)
		return bad(where, "interface: at most 16 interfaces (%s)", argv[1]);
	if (strlen(argv[1]) >= sizeof(c->ifaces[0]))
		return bad(where, "interface: name too long: %s", argv[1]);
	strcpy(c->ifaces[c->n_if++], argv[1]);
	return 0;
}

static int d_address(void *cfg, const char *where, int argc, char **argv)
{
	struct ntpd_config *c = cfg;

	uint32_t plen;

	(void)argc;
	if (!strcmp(argv[1], "any")) {
		c->addr_any = true;
		return 0;
	}
	if (c->n_addrs >= NTPD_MAX_ADDRS)
		return bad(where, "address: at most 64 addresses (%s)", argv[1]);
	if (parse_prefix(argv[1], c->addrs[c->n_addrs], &plen, false))
		return bad(where, "address: not an IPv4 or IPv6 address: %s", argv[1]);
	c->n_addrs++;
	return 0;
}

/* ratelimit [interval N] [burst N] [leak N] [kod]: chrony's directive and ranges. */
static int d_ratelimit(void *cfg, const char *where, int argc, char **argv)
{
	struct ntpd_config *c = cfg;

	long v;

	c->rl_enabled = true;
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "kod")) {
			c->rl_kod = true;
			continue;
		}
		if (i + 1 >= argc)
			return bad(where, "ratelimit: '%s' needs a value", argv[i]);
		if (!strcmp(argv[i], "interval")) {
			if (num(where, "ratelimit interval", argv[++i], -19, 12, &v))
				return -EINVAL;
			c->rl_interval = v;
		} else if (!strcmp(argv[i], "burst")) {
			if (num(where, "ratelimit burst", argv[++i], 1, 255, &v))
				return -EINVAL;
			c->rl_burst = v;
		} else if (!strcmp(argv[i], "leak")) {
			if (num(where, "ratelimit leak", argv[++i], 0, 4, &v))
				return -EINVAL;
			c->rl_leak = v;
		} else {
			return bad(where, "ratelimit: unknown option '%s' (interval, burst, leak, kod)",
				   argv[i]);
		}
	}
	return 0;
}

static int acl_add(struct ntpd_config *c, const char *where, const char *name, const char *pfx,
		   uint32_t action)
{
	struct ntpd_acl_entry *e;

	if (c->n_acl >= NTPD_MAX_ACL)
		return bad(where, "%s: at most 256 allow/deny entries", name);
	e = &c->acl[c->n_acl];
	if (parse_prefix(pfx, e->addr, &e->prefixlen, true))
		return bad(where, "allow/deny: expected ADDR, ADDR/LEN or all, got '%s'", pfx);
	e->action = action;
	c->n_acl++;
	return 0;
}

static int d_allow(void *cfg, const char *where, int argc, char **argv)
{
	struct ntpd_config *c = cfg;

	(void)argc;
	return acl_add(c, where, "allow", argv[1], XPOOL_ACL_ALLOW);
}

static int d_deny(void *cfg, const char *where, int argc, char **argv)
{
	struct ntpd_config *c = cfg;

	uint32_t action = XPOOL_ACL_DENY;

	if (argc == 3) {
		if (strcmp(argv[2], "kod"))
			return bad(where, "deny: expected 'kod' after the prefix, got '%s'", argv[2]);
		action = XPOOL_ACL_DENY_KOD;
	}
	return acl_add(c, where, "deny", argv[1], action);
}

static int d_refid(void *cfg, const char *where, int argc, char **argv)
{
	struct ntpd_config *c = cfg;

	(void)argc;
	if (xp_parse_refid(argv[1], &c->refid_be))
		return bad(where, "refid: expected an IPv4 address or 1-4 printable characters, got '%s'",
			   argv[1]);
	return 0;
}

enum { LIST_IFACES = 1, LIST_ADDRS, LIST_ACL };

static const char *const xdp_attaches[] = { "netlink", "libxdp", NULL }; /* enum order */
static const char *const xdp_modes[] = { "native", "generic", "auto", "tail-call",
					  NULL }; /* enum order */
static const char *const control_modes[] = { "drop", "pass", NULL };
static const char *const unsync_modes[] = { "reply", "pass", NULL };

#define C struct ntpd_config
static const struct xp_directive directives[] = {
	XP_FN("interface", 1, 1, LIST_IFACES, d_interface, NULL, "IFACE", "serve on IFACE"),
	XP_FN("address", 1, 1, LIST_ADDRS, d_address, NULL, "ADDR|any",
	      "answer for ADDR; unless given, for the interfaces' own addresses as they change"),
	XP_ENUM("xdp-mode", C, xdp_mode, xdp_modes, "auto",
		"how XDP attaches (tail-call: not at all; pinned for a root program)"),
	XP_ENUM("xdp-attach", C, xdp_attach, xdp_attaches, "netlink",
		"netlink (one program; the default) or libxdp (its dispatcher where the kernel "
		"allows it)"),
	XP_PATH("xdp-next", C, xdp_next, NULL, "PATH",
		"a pinned XDP program that gets every frame xpool passes"),
	XP_STRING("chrony-socket", C, chrony_socket, NTPD_CHRONY_SOCKET, "PATH",
		  "chronyd's command socket"),
	XP_FLAG("no-chrony", C, no_chrony, "clock state from adjtimex() only"),
	XP_INT("stale-after", C, stale_after, 1, 3600, "10", "SEC",
	       "XDP steps aside when the clock data is older"),
	XP_FN("ratelimit", 0, 7, 0, d_ratelimit, NULL, "[interval N] [burst N] [leak N] [kod]",
	      "per-client rate limit, chrony's directive (interval 3, burst 8, leak 2)"),
	XP_INT("ratelimit-clients", C, rl_clients, 1024, 16777216, "131072", "N",
	       "clients the rate limit tracks"),
	XP_FN("allow", 1, 1, LIST_ACL, d_allow, NULL, "PREFIX|all", "answer these clients"),
	XP_FN("deny", 1, 2, LIST_ACL, d_deny, NULL, "PREFIX|all [kod]", "refuse these clients"),
	XP_ENUM("control-mode", C, control_mode, control_modes, "drop", "mode 6/7 queries"),
	XP_ENUM("unsync", C, unsync_pass, unsync_modes, "reply",
		"while chronyd is unsynchronised: LI=3 replies, or pass to the kernel"),
	XP_HOSTPORT("metrics", C, metrics, NULL, "Prometheus endpoint"),
	XP_PATH("pin-path", C, pin_path, RSP_PIN_PATH_DEFAULT, "DIR", "where maps are pinned"),
	XP_INT("stratum", C, stratum, 1, 15, "2", "N", "the stratum served with no-chrony"),
	XP_FN("refid", 1, 1, 0, d_refid, "XPOL", "ID", "the reference ID served with no-chrony"),
	XP_FLAG("adopt", C, adopt, "feed a program attached by ip link"),
	XP_FLAG("detach-on-exit", C, detach_on_exit, "remove XDP at exit"),
	XP_FLAG("test-mode", C, test_mode, "allow test-only faults (never in production)"),
	XP_INT("test-time-offset-ms", C, test_offset_ms, -100000, 100000, NULL, "MS",
	       "serve a wrong time (test-mode only)"),
};
#undef C

static void clear_list(void *cfg, int list)
{
	struct ntpd_config *c = cfg;

	if (list == LIST_IFACES)
		c->n_if = 0;
	else if (list == LIST_ADDRS)
		c->n_addrs = 0, c->addr_any = false;
	else
		c->n_acl = 0;
}

static const struct xp_conf_spec spec = {
	.prog = "xpool-ntpd",
	.default_path = NTPD_CONFIG_DEFAULT,
	.dirs = directives,
	.n_dirs = sizeof(directives) / sizeof(directives[0]),
	.clear_list = clear_list,
	.short_opt = 'i',
	.short_target = "interface",
};

/* What the table cannot say: the ratelimit directive's own options. */
static void ntpd_config_defaults(struct ntpd_config *c)
{
	memset(c, 0, sizeof(*c));
	c->rl_interval = 3; /* chrony's defaults: 8 s average, bursts of 8, 1 in 4 leaks */
	c->rl_burst = 8;
	c->rl_leak = 2;
}

const struct xp_conf_spec *ntpd_config_spec(void)
{
	return &spec;
}

void ntpd_config_to_map(const struct ntpd_config *c, struct xpool_config *m)
{
	double interval = c->rl_interval >= 0 ? (double)(1LL << c->rl_interval)
					      : 1.0 / (double)(1LL << -c->rl_interval);

	memset(m, 0, sizeof(*m));
	m->control_mode = c->control_mode;
	/* the interfaces' own addresses (kept by netlink), the listed ones, or any with "any" */
	m->addr_filter = !c->addr_any;
	m->unsync_pass = c->unsync_pass;
	m->acl_enabled = c->n_acl > 0;
	/* chrony answers with max(client poll, ratelimit interval); no limit: echo the poll */
	m->min_poll = c->rl_enabled ? c->rl_interval : INT8_MIN;
	m->rl_enabled = c->rl_enabled;
	m->rl_leak = c->rl_leak;
	m->rl_kod = c->rl_kod;
	m->rl_interval_ns = (uint64_t)(interval * 1e9);
	m->rl_tolerance_ns = m->rl_interval_ns * (uint64_t)(c->rl_burst - 1);
}

int ntpd_config_load(struct ntpd_config *c, int argc, char **argv)
{
	struct xp_conf_opts o = { .config_path = "" };
	int ret;

	ntpd_config_defaults(c);
	ret = xp_conf_load(&spec, c, argc, argv, &o);
	memcpy(c->config_path, o.config_path, sizeof(c->config_path));
	c->check_only = o.check_only;
	c->config_err = o.file_err;
	c->verbose = o.verbose;
	if (!ret && c->test_offset_ms && !c->test_mode) {
		fprintf(stderr, "xpool-ntpd: test-time-offset-ms is a test-only fault: refused "
				"without test-mode\n");
		ret = -EINVAL;
	}
	if (!ret && !c->n_if) {
		fprintf(stderr, "xpool-ntpd: no interface: give 'interface IFACE' or -i IFACE\n");
		ret = -EINVAL;
	}
	if (!ret && c->addr_any && c->n_addrs) {
		fprintf(stderr, "xpool-ntpd: 'address any' and a list of addresses exclude each other\n");
		ret = -EINVAL;
	}
	return ret;
}

int ntpd_config_check_system(const struct ntpd_config *c)
{
	int ret = 0;

	for (int i = 0; i < c->n_if; i++)
		if (!if_nametoindex(c->ifaces[i])) {
			fprintf(stderr, "xpool-ntpd: interface %s: %s\n", c->ifaces[i],
				strerror(errno));
			ret = -ENODEV;
		}
	if (c->xdp_next[0] && access(c->xdp_next, F_OK)) {
		fprintf(stderr, "xpool-ntpd: xdp-next %s: %s (pin the program first)\n",
			c->xdp_next, strerror(errno));
		ret = -ENOENT;
	}
	return ret;
}
