// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* ntpd_config.c - xpool-ntpd's directives, from /etc/xpool/ntpd.conf and the command line. */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ntpd_config.h"
#include "xp_conf.h"
#include "xp_parse.h"

struct directive {
	const char *name;
	int min_args, max_args;
	bool list; /* repeatable: the command line replaces the file's entries */
	int (*fn)(struct ntpd_config *c, const char *where, int argc, char **argv);
	const char *help;
};

static int bad(const char *where, const char *fmt, const char *arg)
{
	fprintf(stderr, "%s: ", where);
	fprintf(stderr, fmt, arg);
	fputc('\n', stderr);
	return -EINVAL;
}

static int num(const char *where, const char *name, const char *s, long min, long max, long *v)
{
	if (xp_parse_long(s, min, max, v) == 0)
		return 0;
	fprintf(stderr, "%s: %s: expected a whole number from %ld to %ld, got '%s'\n", where, name,
		min, max, s);
	return -EINVAL;
}

/* "ADDR" or "ADDR/LEN" or "all", IPv4 mapped into ::ffff:0:0/96. */
static int parse_prefix(const char *s, uint8_t addr[16], uint32_t *plen, bool want_prefix)
{
	char buf[64], *slash;
	long len = -1;

	if (!strcmp(s, "all") && want_prefix) {
		memset(addr, 0, 16);
		*plen = 0; /* ::/0 covers the mapped IPv4 space too */
		return 0;
	}
	if (strlen(s) >= sizeof(buf))
		return -EINVAL;
	strcpy(buf, s);
	slash = strchr(buf, '/');
	if (slash) {
		if (!want_prefix)
			return -EINVAL;
		*slash++ = 0;
	}
	memset(addr, 0, 16);
	if (inet_pton(AF_INET6, buf, addr) == 1) {
		if (slash && xp_parse_long(slash, 0, 128, &len))
			return -EINVAL;
		*plen = len < 0 ? 128 : len;
	} else if (inet_pton(AF_INET, buf, addr + 12) == 1) {
		if (slash && xp_parse_long(slash, 0, 32, &len))
			return -EINVAL;
		addr[10] = addr[11] = 0xff;
		*plen = 96 + (len < 0 ? 32 : len);
	} else {
		return -EINVAL;
	}
	/* clear host bits so that the trie stores what the operator meant */
	for (uint32_t bit = *plen; bit < 128; bit++)
		addr[bit / 8] &= ~(0x80 >> (bit % 8));
	return 0;
}

static int d_interface(struct ntpd_config *c, const char *where, int argc, char **argv)
{
	(void)argc;
	if (c->n_if >= NTPD_MAX_IFACES)
		return bad(where, "interface: at most 16 interfaces (%s)", argv[1]);
	if (strlen(argv[1]) >= sizeof(c->ifaces[0]))
		return bad(where, "interface: name too long: %s", argv[1]);
	strcpy(c->ifaces[c->n_if++], argv[1]);
	return 0;
}

static int d_address(struct ntpd_config *c, const char *where, int argc, char **argv)
{
	uint32_t plen;

	(void)argc;
	if (c->n_addrs >= NTPD_MAX_ADDRS)
		return bad(where, "address: at most 64 addresses (%s)", argv[1]);
	if (parse_prefix(argv[1], c->addrs[c->n_addrs], &plen, false))
		return bad(where, "address: not an IPv4 or IPv6 address: %s", argv[1]);
	c->n_addrs++;
	return 0;
}

static int d_xdp_mode(struct ntpd_config *c, const char *where, int argc, char **argv)
{
	(void)argc;
	if (ntpd_xdp_mode_parse(argv[1], &c->xdp_mode))
		return bad(where, "xdp-mode: expected native, generic or auto, got '%s'", argv[1]);
	return 0;
}

static int d_string(char *dst, size_t n, const char *where, const char *name, const char *s)
{
	if (strlen(s) >= n) {
		fprintf(stderr, "%s: %s: too long (at most %zu characters)\n", where, name, n - 1);
		return -EINVAL;
	}
	strcpy(dst, s);
	return 0;
}

static int d_chrony_socket(struct ntpd_config *c, const char *where, int argc, char **argv)
{
	(void)argc;
	return d_string(c->chrony_socket, sizeof(c->chrony_socket), where, "chrony-socket", argv[1]);
}

static int d_no_chrony(struct ntpd_config *c, const char *where, int argc, char **argv)
{
	(void)where, (void)argc, (void)argv;
	c->no_chrony = true;
	return 0;
}

static int d_stale_after(struct ntpd_config *c, const char *where, int argc, char **argv)
{
	long v;

	(void)argc;
	if (num(where, "stale-after", argv[1], 1, XPOOL_STALE_MAX_NS / 1000000000ULL, &v))
		return -EINVAL;
	c->stale_after = v;
	return 0;
}

/* ratelimit [interval N] [burst N] [leak N] [kod]: chrony's directive and ranges. */
static int d_ratelimit(struct ntpd_config *c, const char *where, int argc, char **argv)
{
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

static int d_ratelimit_clients(struct ntpd_config *c, const char *where, int argc, char **argv)
{
	long v;

	(void)argc;
	if (num(where, "ratelimit-clients", argv[1], 1024, 16777216, &v))
		return -EINVAL;
	c->rl_clients = v;
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

static int d_allow(struct ntpd_config *c, const char *where, int argc, char **argv)
{
	(void)argc;
	return acl_add(c, where, "allow", argv[1], XPOOL_ACL_ALLOW);
}

static int d_deny(struct ntpd_config *c, const char *where, int argc, char **argv)
{
	uint32_t action = XPOOL_ACL_DENY;

	if (argc == 3) {
		if (strcmp(argv[2], "kod"))
			return bad(where, "deny: expected 'kod' after the prefix, got '%s'", argv[2]);
		action = XPOOL_ACL_DENY_KOD;
	}
	return acl_add(c, where, "deny", argv[1], action);
}

static int d_control_mode(struct ntpd_config *c, const char *where, int argc, char **argv)
{
	(void)argc;
	if (!strcmp(argv[1], "drop"))
		c->control_mode = XPOOL_CONTROL_DROP;
	else if (!strcmp(argv[1], "pass"))
		c->control_mode = XPOOL_CONTROL_PASS;
	else
		return bad(where, "control-mode: expected drop or pass, got '%s'", argv[1]);
	return 0;
}

static int d_unsync(struct ntpd_config *c, const char *where, int argc, char **argv)
{
	(void)argc;
	if (!strcmp(argv[1], "reply"))
		c->unsync_pass = false;
	else if (!strcmp(argv[1], "pass"))
		c->unsync_pass = true;
	else
		return bad(where, "unsync: expected reply or pass, got '%s'", argv[1]);
	return 0;
}

static int d_metrics(struct ntpd_config *c, const char *where, int argc, char **argv)
{
	const char *colon = strrchr(argv[1], ':');
	long port;

	(void)argc;
	if (!colon || colon == argv[1] || xp_parse_long(colon + 1, 1, 65535, &port))
		return bad(where, "metrics: expected HOST:PORT (127.0.0.1:9123, [::1]:9123), got '%s'",
			   argv[1]);
	return d_string(c->metrics, sizeof(c->metrics), where, "metrics", argv[1]);
}

static int d_pin_path(struct ntpd_config *c, const char *where, int argc, char **argv)
{
	(void)argc;
	if (argv[1][0] != '/')
		return bad(where, "pin-path: expected an absolute path, got '%s'", argv[1]);
	return d_string(c->pin_path, sizeof(c->pin_path), where, "pin-path", argv[1]);
}

static int d_stratum(struct ntpd_config *c, const char *where, int argc, char **argv)
{
	long v;

	(void)argc;
	if (num(where, "stratum", argv[1], 1, 15, &v))
		return -EINVAL;
	c->stratum = v;
	return 0;
}

static int d_refid(struct ntpd_config *c, const char *where, int argc, char **argv)
{
	(void)argc;
	if (xp_parse_refid(argv[1], &c->refid_be))
		return bad(where, "refid: expected an IPv4 address or 1-4 printable characters, got '%s'",
			   argv[1]);
	return 0;
}

static int d_flag(bool *flag)
{
	*flag = true;
	return 0;
}

static int d_adopt(struct ntpd_config *c, const char *where, int argc, char **argv)
{
	(void)where, (void)argc, (void)argv;
	return d_flag(&c->adopt);
}

static int d_detach_on_exit(struct ntpd_config *c, const char *where, int argc, char **argv)
{
	(void)where, (void)argc, (void)argv;
	return d_flag(&c->detach_on_exit);
}

static const struct directive directives[] = {
	{ "interface", 1, 1, true, d_interface, "IFACE       serve on IFACE (repeatable)" },
	{ "address", 1, 1, true, d_address, "ADDR          answer only for ADDR (repeatable)" },
	{ "xdp-mode", 1, 1, false, d_xdp_mode, "MODE         native, generic or auto" },
	{ "chrony-socket", 1, 1, false, d_chrony_socket, "PATH    chronyd's command socket" },
	{ "no-chrony", 0, 0, false, d_no_chrony, "             clock state from adjtimex() only" },
	{ "stale-after", 1, 1, false, d_stale_after, "SEC       XDP steps aside after SEC" },
	{ "ratelimit", 0, 7, false, d_ratelimit, "[interval N] [burst N] [leak N] [kod]" },
	{ "ratelimit-clients", 1, 1, false, d_ratelimit_clients, "N clients tracked" },
	{ "allow", 1, 1, true, d_allow, "PREFIX|all      answer these clients (repeatable)" },
	{ "deny", 1, 2, true, d_deny, "PREFIX|all [kod] refuse these clients (repeatable)" },
	{ "control-mode", 1, 1, false, d_control_mode, "drop|pass mode 6/7 queries" },
	{ "unsync", 1, 1, false, d_unsync, "reply|pass        while chronyd is unsynchronised" },
	{ "metrics", 1, 1, false, d_metrics, "HOST:PORT       Prometheus endpoint" },
	{ "pin-path", 1, 1, false, d_pin_path, "DIR            where maps are pinned" },
	{ "stratum", 1, 1, false, d_stratum, "N               with no-chrony" },
	{ "refid", 1, 1, false, d_refid, "ID                with no-chrony" },
	{ "adopt", 0, 0, false, d_adopt, "                 feed a program attached by ip link" },
	{ "detach-on-exit", 0, 0, false, d_detach_on_exit, "        remove XDP at exit" },
};
#define N_DIRECTIVES (sizeof(directives) / sizeof(directives[0]))

static const struct directive *find(const char *name)
{
	for (size_t i = 0; i < N_DIRECTIVES; i++)
		if (!strcmp(directives[i].name, name))
			return &directives[i];
	return NULL;
}

static int apply(struct ntpd_config *c, const struct directive *d, const char *where, int argc,
		 char **argv)
{
	if (argc - 1 < d->min_args || argc - 1 > d->max_args) {
		fprintf(stderr, "%s: %s: expected %d to %d arguments, got %d\n", where, d->name,
			d->min_args, d->max_args, argc - 1);
		return -EINVAL;
	}
	return d->fn(c, where, argc, argv);
}

int ntpd_config_directive(struct ntpd_config *c, const char *where, int argc, char **argv)
{
	const struct directive *d = find(argv[0]);

	if (!d) {
		fprintf(stderr, "%s: unknown directive '%s'\n", where, argv[0]);
		return -EINVAL;
	}
	return apply(c, d, where, argc, argv);
}

static int file_cb(void *ctx, const char *where, int argc, char **argv)
{
	return ntpd_config_directive(ctx, where, argc, argv);
}

void ntpd_config_defaults(struct ntpd_config *c)
{
	memset(c, 0, sizeof(*c));
	c->xdp_mode = NTPD_XDP_AUTO;
	strcpy(c->chrony_socket, NTPD_CHRONY_SOCKET);
	strcpy(c->pin_path, NTPD_PIN_PATH_DEFAULT);
	strcpy(c->config_path, NTPD_CONFIG_DEFAULT);
	c->stale_after = XPOOL_STALE_DEFAULT_NS / 1000000000ULL;
	c->rl_interval = 3; /* chrony's defaults: 8 s average, bursts of 8, 1 in 4 leaks */
	c->rl_burst = 8;
	c->rl_leak = 2;
	c->rl_clients = XPOOL_RATELIMIT_CLIENTS_DEFAULT;
	c->control_mode = XPOOL_CONTROL_DROP;
	c->stratum = 2;
	xp_parse_refid("XPOL", &c->refid_be);
}

void ntpd_config_to_map(const struct ntpd_config *c, struct xpool_config *m)
{
	double interval = c->rl_interval >= 0 ? (double)(1LL << c->rl_interval)
					      : 1.0 / (double)(1LL << -c->rl_interval);

	memset(m, 0, sizeof(*m));
	m->control_mode = c->control_mode;
	m->addr_filter = c->n_addrs > 0;
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

void ntpd_config_usage(FILE *f)
{
	fprintf(f, "Usage: xpool-ntpd [-c FILE] [--DIRECTIVE VALUE ...] [--check-config] [-v]\n"
		   "Answers NTP client requests in XDP and keeps their clock data fresh.\n\n"
		   "  -c, --config FILE      directives file (default %s)\n"
		   "  -i IFACE               same as --interface IFACE\n"
		   "      --check-config     validate the configuration and exit\n"
		   "  -v, --verbose          log debug messages\n\n"
		   "Every directive of the file is also a flag of the same name, which overrides "
		   "the file:\n",
		NTPD_CONFIG_DEFAULT);
	for (size_t i = 0; i < N_DIRECTIVES; i++)
		fprintf(f, "      --%s %s\n", directives[i].name, directives[i].help);
}

/* Flags given on the command line, applied after the file. */
struct cli_item {
	const struct directive *d;
	char *arg;
};

int ntpd_config_load(struct ntpd_config *c, int argc, char **argv)
{
	enum { OPT_CHECK = 1000, OPT_DIRECTIVE = 2000 };
	struct option longopts[N_DIRECTIVES + 5];
	struct cli_item items[128];
	bool explicit_config = false, cleared[N_DIRECTIVES] = { false };
	int n_items = 0, opt, idx, ret = 0;

	ntpd_config_defaults(c);
	for (size_t i = 0; i < N_DIRECTIVES; i++) {
		const struct directive *d = &directives[i];
		/* ratelimit alone means chrony's defaults: --ratelimit or --ratelimit="burst 4" */
		int has = !d->max_args ? no_argument
				       : d->min_args ? required_argument : optional_argument;

		longopts[i] = (struct option){ d->name, has, NULL, OPT_DIRECTIVE + (int)i };
	}
	longopts[N_DIRECTIVES] = (struct option){ "config", required_argument, NULL, 'c' };
	longopts[N_DIRECTIVES + 1] = (struct option){ "check-config", no_argument, NULL, OPT_CHECK };
	longopts[N_DIRECTIVES + 2] = (struct option){ "verbose", no_argument, NULL, 'v' };
	longopts[N_DIRECTIVES + 3] = (struct option){ "help", no_argument, NULL, 'h' };
	longopts[N_DIRECTIVES + 4] = (struct option){ NULL, 0, NULL, 0 };
	optind = 1;
	while ((opt = getopt_long(argc, argv, "c:i:vh", longopts, &idx)) != -1) {
		if (opt == 'c') {
			if (d_string(c->config_path, sizeof(c->config_path), "command line", "--config",
				     optarg))
				return -EINVAL;
			explicit_config = true;
		} else if (opt == OPT_CHECK) {
			c->check_only = true;
		} else if (opt == 'v') {
			c->verbose = true;
		} else if (opt == 'h') {
			ntpd_config_usage(stdout);
			exit(0);
		} else if ((opt == 'i' || opt >= OPT_DIRECTIVE) && n_items < 128) {
			items[n_items].d = opt == 'i' ? find("interface") : &directives[opt - OPT_DIRECTIVE];
			items[n_items++].arg = optarg;
		} else {
			fprintf(stderr, "xpool-ntpd: invalid option; try 'xpool-ntpd --help'\n");
			return -EINVAL;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "xpool-ntpd: unexpected argument '%s'\n", argv[optind]);
		return -EINVAL;
	}
	ret = xp_conf_read(c->config_path, file_cb, c);
	if (ret == -ENOENT && !explicit_config)
		ret = 0; /* no file at the default path: flags only */
	else if (ret && ret != -EINVAL)
		fprintf(stderr, "xpool-ntpd: %s: %s\n", c->config_path, strerror(-ret));
	for (int i = 0; i < n_items; i++) {
		const struct directive *d = items[i].d;
		char where[128], buf[256], *words[XP_CONF_MAX_WORDS + 1];
		int n = 1, r;

		words[0] = (char *)d->name;
		if (items[i].arg) {
			snprintf(buf, sizeof(buf), "%s", items[i].arg);
			n = xp_conf_split(buf, words + 1, XP_CONF_MAX_WORDS);
			n = n < 0 ? -1 : n + 1;
		}
		snprintf(where, sizeof(where), "command line (--%s)", d->name);
		/* allow and deny fill one list */
		idx = d->fn == d_deny ? (int)(find("allow") - directives) : (int)(d - directives);
		if (d->list && !cleared[idx]) {
			/* the first flag of a repeatable directive replaces the file's list */
			cleared[idx] = true;
			if (d->fn == d_interface)
				c->n_if = 0;
			else if (d->fn == d_address)
				c->n_addrs = 0;
			else
				c->n_acl = 0;
		}
		r = n < 0 ? bad(where, "%s: too many words", d->name) : apply(c, d, where, n, words);
		if (r && !ret)
			ret = r;
	}
	if (!ret && !c->n_if && !c->adopt) {
		fprintf(stderr, "xpool-ntpd: no interface: give 'interface IFACE' or -i IFACE\n");
		ret = -EINVAL;
	}
	if (!ret && c->adopt && !c->n_if) {
		fprintf(stderr, "xpool-ntpd: adopt needs the interface the program is attached to\n");
		ret = -EINVAL;
	}
	return ret;
}
