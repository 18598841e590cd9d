// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* xpoolctl.c - operator's tool: NTP responder stats and detach (the registry comes later). */
#include <errno.h>
#include <getopt.h>
#include <stdbool.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <string.h>
#include <unistd.h>
#include <bpf/libbpf.h>

#include "ctl_account.h"
#include "reg_db.h"
#include "rsp_report.h"
#include "rsp_xdp.h"
#include "web_graph.h"
#include "web_site.h"
#include "xp_conf.h"
#include "xp_log.h"
#include "xp_sign.h"

#define EXIT_USAGE 2

struct ctl {
	char pin[256], ifname[16], db[512], owner[REG_OWNER_MAX + 1], sign[256], output[256];
	bool unpin, disabled, test_addresses;
	long netspeed, days;
};

#define X struct ctl
static const struct xp_directive directives[] = {
	XP_PATH("pin-path", X, pin, RSP_PIN_PATH_DEFAULT, "DIR", "the responder's pinned maps"),
	XP_STRING("interface", X, ifname, NULL, "IFACE", "ntp detach: the interface"),
	XP_FLAG("unpin", X, unpin, "ntp detach: also remove the pinned maps"),
	XP_STRING_SECRET("db", X, db, REG_DB_DEFAULT, "FILE|URI",
			 "the registry: a SQLite file, or a postgresql://... URI",
			 xp_conf_secret_uri),
	XP_INT("netspeed", X, netspeed, 0, 100000000, "10000", "KBIT",
	       "server add: the weight in DNS, 0: monitor only"),
	XP_STRING("owner", X, owner, NULL, "TEXT", "server add: printable text for the operator"),
	XP_FLAG("disabled", X, disabled, "server add: listed as disabled"),
	XP_FLAG("test-addresses", X, test_addresses,
		"server add: also documentation and private ranges (test and lab pools)"),
	XP_STRING("sign", X, sign, NULL, "KEYFILE",
		  "export: sign with this Ed25519 secret key, the signature in FILE.sig"),
	XP_STRING("output", X, output, NULL, "FILE", "server graph: the SVG file (also -o)"),
	XP_INT("days", X, days, 1, 31, "3", "N", "server graph, export-web: the days graphed"),
};
#undef X

static const struct xp_conf_spec spec = {
	.prog = "xpoolctl",
	.default_path = "/etc/xpool/xpoolctl.conf",
	.dirs = directives,
	.n_dirs = sizeof(directives) / sizeof(directives[0]),
	.short_opt = 'i',
	.short_target = "interface",
	.args = true,
	.usage_args = "COMMAND ...",
	.help_text =
		"Commands:\n"
		"  ntp stats                     the responder's counters and clock state from its\n"
		"                                pinned maps, with or without xpool-ntpd running\n"
		"  ntp detach -i IFACE [--unpin] removes the xpool responder from IFACE (never\n"
		"                                another program)\n"
		"  init                          creates the registry\n"
		"  account add EMAIL             a volunteer's account (the password: a line on stdin)\n"
		"  account list                  every account: state, servers, webhook\n"
		"  account disable|enable EMAIL  disabling revokes its API tokens\n"
		"  monitor add NAME              a monitor, testing until set active (PostgreSQL:\n"
		"                                and its role xpool_mon_NAME, which writes only its\n"
		"                                own checks)\n"
		"  monitor set NAME status active|testing|paused\n"
		"  monitor remove NAME           and its scores\n"
		"  monitor list                  status, last report, distance from the median\n"
		"  server add ADDR COUNTRY       a server (global unicast; see --test-addresses)\n"
		"  server remove|show ADDR\n"
		"  server set ADDR netspeed|country|owner|enabled VALUE\n"
		"  server list\n"
		"  server graph ADDR -o FILE.svg [--days N]\n"
		"                                the pool's graph: score per monitor, offsets,\n"
		"                                failures, the threshold of 10 (plain SVG)\n"
		"  export-web DIR                a static status site (zones, a page and graph per\n"
		"                                server), swapped into DIR in one rename\n"
		"  export SNAPSHOT.json          the DNS snapshot, written atomically, with the median\n"
		"                                score of monitors active in the last 20 minutes\n"
		"                                (--sign KEYFILE: and its signature, SNAPSHOT.json.sig)\n"
		"  key generate KEYFILE          an Ed25519 key pair for signed snapshots: the secret\n"
		"                                in KEYFILE (0600), the public key in KEYFILE.pub\n"
		"Only init and server add create a registry; list, show and export open it read-only.\n"
		"--db is a SQLite file or a postgresql:// URI (the database must exist; init makes\n"
		"the registry's tables in it).\n"
		"Exit status: 0, 1 on an error, 2 on a usage error.\n",
};

static int cmd_stats(const char *pin)
{
	struct rsp_report r;
	struct rsp_xdp x;
	int ret = rsp_xdp_open_pinned(&x, pin);

	if (x.map_fd[XPOOL_MAP_STATS] < 0 || x.map_fd[XPOOL_MAP_CLOCK] < 0) {
		fprintf(stderr, "xpoolctl: no responder maps pinned under %s: %s\n", pin,
			strerror(ret ? -ret : ENOENT));
		rsp_xdp_close(&x);
		return 1;
	}
	ret = rsp_report_collect(x.map_fd[XPOOL_MAP_STATS], x.map_fd[XPOOL_MAP_CLOCK], &r);
	if (ret)
		fprintf(stderr, "xpoolctl: cannot read the maps under %s: %s\n", pin, strerror(-ret));
	else
		rsp_report_text(&r, stdout);
	rsp_xdp_close(&x);
	return ret ? 1 : 0;
}

/* ntp detach: the responder's own detach (never another program); 0, or 1 with the reason. */
static int cmd_detach(const char *ifname, const char *pin, int unpin)
{
	uint32_t id = 0;
	int ret = rsp_xdp_detach(ifname, -1, &id);

	switch (ret) {
	case 0:
		printf("%s: xpool responder (program %u) detached\n", ifname, id);
		break;
	case -ENODEV:
		fprintf(stderr, "xpoolctl: %s: no such interface\n", ifname);
		return 1;
	case -ENOENT:
		fprintf(stderr, "xpoolctl: %s: no XDP program attached\n", ifname);
		return 1;
	case -EPERM:
		fprintf(stderr, "xpoolctl: %s: the attached program is not the xpool responder; "
				"left alone\n", ifname);
		return 1;
	default:
		fprintf(stderr, "xpoolctl: %s: detach failed: %s\n", ifname, strerror(-ret));
		return 1;
	}
	if (unpin) {
		ret = rsp_xdp_unpin(pin);
		if (ret == -ENOENT) {
			/* only what happened: a daemon under ip netns exec pinned where this cannot see */
			printf("no pinned maps at %s: nothing removed (pins made under ip netns exec "
			       "vanish with the daemon; otherwise check --pin-path)\n",
			       pin);
			return 0;
		}
		if (ret < 0) {
			fprintf(stderr, "xpoolctl: %s: cannot remove the pinned maps: %s\n", pin,
				strerror(-ret));
			return 1;
		}
		printf("%s: removed, with the %d pin(s) it held\n", pin, ret);
	}
	return 0;
}

/* How a registry command opens the registry: only init and server add create one. */
static enum reg_open_mode open_mode(int argc, char **argv)
{
	if (!strcmp(argv[0], "init") ||
	    (argc >= 2 && !strcmp(argv[0], "server") && !strcmp(argv[1], "add")))
		return REG_OPEN_CREATE;
	if (!strcmp(argv[0], "export") || !strcmp(argv[0], "export-web") ||
	    (argc >= 2 && (!strcmp(argv[1], "list") || !strcmp(argv[1], "show") ||
			   !strcmp(argv[1], "graph"))))
		return REG_OPEN_READONLY; /* server list, server show, monitor list, export */
	return REG_OPEN_EXISTING;
}

/* Checked before the registry is opened: a usage error never touches it. */
static bool known_command(int argc, char **argv)
{
	static const struct {
		const char *sub;
		int argc;
	} server[] = { { "add", 4 }, { "remove", 3 }, { "show", 3 }, { "set", 5 }, { "list", 2 },
		       { "graph", 3 } },
	  monitor[] = { { "add", 3 }, { "remove", 3 }, { "set", 5 }, { "list", 2 } };
	bool mon = !strcmp(argv[0], "monitor");

	if (!strcmp(argv[0], "init"))
		return argc == 1;
	if (!strcmp(argv[0], "export") || !strcmp(argv[0], "export-web"))
		return argc == 2;
	if (mon && argc == 5 && strcmp(argv[3], "status"))
		return false; /* monitor set NAME status S */
	for (size_t i = 0; argc >= 2 && i < (mon ? 4 : 6); i++)
		if (!strcmp(argv[1], (mon ? monitor : server)[i].sub))
			return argc == (mon ? monitor : server)[i].argc;
	return false;
}

/* Registry commands: 0, 1 on an error (with its message), 2 on bad arguments. */
static int graph_fail(char *err, size_t n, int ret, const char *what)
{
	if (ret == -ENOENT)
		snprintf(err, n, "no server with address '%s'", what);
	else if (!strcmp(what, "-o FILE.svg"))
		snprintf(err, n, "server graph needs -o FILE.svg (or -o - for stdout)");
	else
		snprintf(err, n, "not an IPv4 or IPv6 address: '%s'", what);
	return ret;
}

/* server graph: the SVG written whole (a temporary file renamed) or to stdout with -o -. */
static int cmd_graph(struct reg *db, const char *ip, const char *out, long days, char *err,
		     size_t n)
{
	char *buf = NULL;
	size_t len = 0;
	long id;
	FILE *f;
	int ret = reg_view_server_id(db, ip, &id);

	if (ret == -ENOENT || ret == -EINVAL)
		return graph_fail(err, n, ret, ip);
	if (!ret && !out[0])
		return graph_fail(err, n, -EINVAL, "-o FILE.svg");
	f = ret ? NULL : open_memstream(&buf, &len);
	if (!ret && !f)
		ret = -ENOMEM;
	if (f) {
		ret = web_graph_write(db, id, ip, time(NULL), (int)days, f);
		if (fclose(f) && !ret)
			ret = -ENOMEM;
	}
	if (!ret && !strcmp(out, "-"))
		ret = fwrite(buf, 1, len, stdout) == len ? 0 : -EIO;
	else if (!ret && (ret = xp_write_atomic(out, buf, len, 0644)))
		snprintf(err, n, "cannot write %s: %s", out, strerror(-ret));
	free(buf);
	return ret;
}

static int cmd_registry(const char *db_path, int argc, char **argv, long netspeed,
			const char *owner, unsigned flags, const char *sign, const struct ctl *c)
{
	uint8_t sk[XP_SIGN_SECRET];
	char err[256] = "";
	struct reg *db;
	int ret = -EINVAL;

	if (!known_command(argc, argv)) {
		fprintf(stderr, "xpoolctl: unknown or incomplete command; see xpoolctl --help\n");
		return EXIT_USAGE;
	}
	if (argc == 2 && !strcmp(argv[0], "export") && sign[0] &&
	    xp_sign_load_secret(sign, sk, err, sizeof(err))) {
		fprintf(stderr, "xpoolctl: %s\n", err);
		return 1;
	}
	if (reg_open(db_path, open_mode(argc, argv), &db))
		return 1;
	if (argc == 1)
		ret = 0; /* init: created and migrated */
	else if (!strcmp(argv[0], "export-web"))
		ret = web_site_export(db, argv[1], time(NULL), (int)c->days, err, sizeof(err));
	else if (!strcmp(argv[0], "export"))
		ret = reg_export(db, argv[1], time(NULL), sign[0] ? sk : NULL, err, sizeof(err));
	else if (!strcmp(argv[0], "monitor"))
		ret = !strcmp(argv[1], "add")	   ? reg_monitor_add(db, argv[2], stdout, err, sizeof(err))
		      : !strcmp(argv[1], "remove") ? reg_monitor_remove(db, argv[2], stdout, err, sizeof(err))
		      : !strcmp(argv[1], "set")    ? reg_monitor_set(db, argv[2], argv[4], err, sizeof(err))
						   : reg_monitor_list(db, stdout, time(NULL));
	else if (!strcmp(argv[1], "add"))
		ret = reg_server_add(db, argv[2], netspeed, argv[3], owner, flags, err, sizeof(err));
	else if (!strcmp(argv[1], "remove"))
		ret = reg_server_remove(db, argv[2], err, sizeof(err));
	else if (!strcmp(argv[1], "show"))
		ret = reg_server_show(db, argv[2], stdout, time(NULL), err, sizeof(err));
	else if (!strcmp(argv[1], "set"))
		ret = reg_server_set(db, argv[2], argv[3], argv[4], err, sizeof(err));
	else if (!strcmp(argv[1], "graph"))
		ret = cmd_graph(db, argv[2], c->output, c->days, err, sizeof(err));
	else
		ret = reg_server_list(db, stdout, time(NULL));
	if (ret < 0 && ret != -EINVAL && !err[0])
		snprintf(err, sizeof(err), "registry: %.200s", reg_why(db));
	else if (ret == -EINVAL && !err[0])
		snprintf(err, sizeof(err), "unknown or incomplete command; see xpoolctl --help");
	reg_close(db);
	if (ret)
		fprintf(stderr, "xpoolctl: %s\n", err);
	return !ret ? 0 : ret == -EINVAL && !strncmp(err, "unknown or", 10) ? EXIT_USAGE : 1;
}

int main(int argc, char **argv)
{
	static struct ctl c;
	struct xp_conf_opts o = { .config_path = "" };
	unsigned flags;
	char **av;
	int ac;

	/* -o FILE: the graph's output; the shared parser knows one short option, -i */
	for (int i = 1; i < argc; i++)
		if (!strcmp(argv[i], "-o"))
			argv[i] = (char *)"--output";
	if (xp_conf_load(&spec, &c, argc, argv, &o))
		return EXIT_USAGE;
	if (o.check_only) {
		char v[512];

		printf("%s\n", xp_conf_verdict(o.config_path, o.file_err, v, sizeof(v)));
		return 0;
	}
	ac = o.argc;
	av = o.argv;
	flags = (c.disabled ? REG_F_DISABLED : 0) | (c.test_addresses ? REG_F_TEST_ADDRESSES : 0);
	xp_log_init("xpoolctl", o.verbose ? XP_LOG_DEBUG : XP_LOG_INFO);
	libbpf_set_strict_mode(LIBBPF_STRICT_ALL);
	if (ac == 2 && !strcmp(av[0], "ntp") && !strcmp(av[1], "stats"))
		return cmd_stats(c.pin);
	if (ac == 2 && !strcmp(av[0], "ntp") && !strcmp(av[1], "detach")) {
		if (!c.ifname[0]) {
			fprintf(stderr, "xpoolctl: ntp detach needs -i IFACE\n");
			return EXIT_USAGE;
		}
		return cmd_detach(c.ifname, c.pin, c.unpin);
	}
	if (ac == 3 && !strcmp(av[0], "key") && !strcmp(av[1], "generate")) {
		char err[256];

		if (xp_sign_keygen(av[2], err, sizeof(err))) {
			fprintf(stderr, "xpoolctl: %s\n", err);
			return 1;
		}
		printf("%s: secret key; %s.pub: public key (give it to the DNS hosts)\n", av[2], av[2]);
		return 0;
	}
	if (ac >= 1 && !strcmp(av[0], "account"))
		return ctl_account(c.db, ac, av);
	if (ac >= 1 && (!strcmp(av[0], "server") || !strcmp(av[0], "export") ||
			!strcmp(av[0], "export-web") || !strcmp(av[0], "init") ||
			!strcmp(av[0], "monitor")))
		return cmd_registry(c.db, ac, av, c.netspeed, c.owner, flags, c.sign, &c);
	fprintf(stderr, "xpoolctl: unknown command; see xpoolctl --help\n");
	return EXIT_USAGE;
}
