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

#include "reg_db.h"
#include "rsp_report.h"
#include "rsp_xdp.h"
#include "xp_log.h"

#define EXIT_USAGE 2

static void usage(FILE *f)
{
	fprintf(f, "Usage: xpoolctl ntp stats [--pin-path DIR]\n"
		   "       xpoolctl ntp detach -i IFACE [--pin-path DIR] [--unpin]\n"
		   "       xpoolctl [--db FILE] init\n"
		   "       xpoolctl [--db FILE] server add ADDR COUNTRY [--netspeed KBIT] [--owner TEXT]\n"
		   "                                       [--disabled] [--test-addresses]\n"
		   "       xpoolctl [--db FILE] server remove|show ADDR\n"
		   "       xpoolctl [--db FILE] server set ADDR netspeed|country|owner|enabled VALUE\n"
		   "       xpoolctl [--db FILE] server list\n"
		   "       xpoolctl [--db FILE] export SNAPSHOT.json\n"
		   "stats: the responder's counters and clock state from its pinned maps, with or\n"
		   "       without xpool-ntpd running.\n"
		   "detach: removes the xpool responder from IFACE (never another program);\n"
		   "       --unpin also removes the pinned maps (clock, counters, rate-limit state).\n"
		   "server, export: the registry (SQLite, default %s); export writes the DNS\n"
		   "       snapshot atomically, with the median score of monitors active in 20 min.\n"
		   "       Only init and server add create a registry; list, show and export open it\n"
		   "       read-only. Server addresses are global unicast; --test-addresses also\n"
		   "       takes documentation and private ranges (test and lab pools).\n"
		   "Default pin path: %s\n", REG_DB_DEFAULT, RSP_PIN_PATH_DEFAULT);
}

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
		if (ret) {
			fprintf(stderr, "xpoolctl: %s: cannot remove the pinned maps: %s\n", pin,
				strerror(-ret));
			return 1;
		}
		printf("%s: pinned maps removed\n", pin);
	}
	return 0;
}

/* How a registry command opens the registry: only init and server add create one. */
static enum reg_open_mode open_mode(int argc, char **argv)
{
	if (!strcmp(argv[0], "init") || (argc >= 2 && !strcmp(argv[1], "add")))
		return REG_OPEN_CREATE;
	if (!strcmp(argv[0], "export") ||
	    (argc >= 2 && (!strcmp(argv[1], "list") || !strcmp(argv[1], "show"))))
		return REG_OPEN_READONLY;
	return REG_OPEN_EXISTING;
}

/* Checked before the registry is opened: a usage error never touches it. */
static bool known_command(int argc, char **argv)
{
	static const struct {
		const char *sub;
		int argc;
	} server[] = { { "add", 4 }, { "remove", 3 }, { "show", 3 }, { "set", 5 }, { "list", 2 } };

	if (!strcmp(argv[0], "init"))
		return argc == 1;
	if (!strcmp(argv[0], "export"))
		return argc == 2;
	for (size_t i = 0; argc >= 2 && i < sizeof(server) / sizeof(server[0]); i++)
		if (!strcmp(argv[1], server[i].sub))
			return argc == server[i].argc;
	return false;
}

/* Registry commands: 0, 1 on an error (with its message), 2 on bad arguments. */
static int cmd_registry(const char *db_path, int argc, char **argv, long netspeed,
			const char *owner, unsigned flags)
{
	char err[256] = "";
	sqlite3 *db;
	int ret = -EINVAL;

	if (!known_command(argc, argv)) {
		fprintf(stderr, "xpoolctl: unknown or incomplete command; see xpoolctl --help\n");
		return EXIT_USAGE;
	}
	if (reg_open(db_path, open_mode(argc, argv), &db))
		return 1;
	if (argc == 1)
		ret = 0; /* init: created and migrated */
	else if (argc == 2 && !strcmp(argv[0], "export"))
		ret = reg_export(db, argv[1], time(NULL), err, sizeof(err));
	else if (argc == 4 && !strcmp(argv[1], "add"))
		ret = reg_server_add(db, argv[2], netspeed, argv[3], owner, flags, err, sizeof(err));
	else if (argc == 3 && !strcmp(argv[1], "remove"))
		ret = reg_server_remove(db, argv[2], err, sizeof(err));
	else if (argc == 3 && !strcmp(argv[1], "show"))
		ret = reg_server_show(db, argv[2], stdout, time(NULL), err, sizeof(err));
	else if (argc == 5 && !strcmp(argv[1], "set"))
		ret = reg_server_set(db, argv[2], argv[3], argv[4], err, sizeof(err));
	else if (argc == 2 && !strcmp(argv[1], "list"))
		ret = reg_server_list(db, stdout, time(NULL));
	if (ret == -EIO && !err[0])
		snprintf(err, sizeof(err), "registry %s: read failed", db_path);
	else if (ret == -EINVAL && !err[0])
		snprintf(err, sizeof(err), "unknown or incomplete command; see xpoolctl --help");
	reg_close(db);
	if (ret)
		fprintf(stderr, "xpoolctl: %s\n", err);
	return !ret ? 0 : ret == -EINVAL && !strncmp(err, "unknown or", 10) ? EXIT_USAGE : 1;
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "pin-path", required_argument, NULL, 'p' },
		{ "interface", required_argument, NULL, 'i' },
		{ "unpin", no_argument, NULL, 'u' },
		{ "db", required_argument, NULL, 'D' },
		{ "netspeed", required_argument, NULL, 'N' },
		{ "owner", required_argument, NULL, 'O' },
		{ "disabled", no_argument, NULL, 'X' },
		{ "test-addresses", no_argument, NULL, 'T' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *pin = RSP_PIN_PATH_DEFAULT, *ifname = NULL, *db = REG_DB_DEFAULT, *owner = "";
	int c, unpin = 0;
	unsigned flags = 0;
	long netspeed = 10000;
	char *end;

	while ((c = getopt_long(argc, argv, "p:i:h", longopts, NULL)) != -1) {
		switch (c) {
		case 'p':
			pin = optarg;
			break;
		case 'i':
			ifname = optarg;
			break;
		case 'u':
			unpin = 1;
			break;
		case 'D':
			db = optarg;
			break;
		case 'N':
			netspeed = strtol(optarg, &end, 10);
			if (*end || end == optarg) {
				fprintf(stderr, "xpoolctl: --netspeed: not a number: %s\n", optarg);
				return EXIT_USAGE;
			}
			break;
		case 'O':
			owner = optarg;
			break;
		case 'X':
			flags |= REG_F_DISABLED;
			break;
		case 'T':
			flags |= REG_F_TEST_ADDRESSES;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return EXIT_USAGE;
		}
	}
	xp_log_init("xpoolctl", XP_LOG_INFO);
	libbpf_set_strict_mode(LIBBPF_STRICT_ALL);
	if (argc - optind == 2 && !strcmp(argv[optind], "ntp") && !strcmp(argv[optind + 1], "stats"))
		return cmd_stats(pin);
	if (argc - optind == 2 && !strcmp(argv[optind], "ntp") &&
	    !strcmp(argv[optind + 1], "detach")) {
		if (!ifname) {
			fprintf(stderr, "xpoolctl: ntp detach needs -i IFACE\n");
			return EXIT_USAGE;
		}
		return cmd_detach(ifname, pin, unpin);
	}
	if (argc - optind >= 1 && (!strcmp(argv[optind], "server") || !strcmp(argv[optind], "export") ||
				   !strcmp(argv[optind], "init")))
		return cmd_registry(db, argc - optind, argv + optind, netspeed, owner, flags);
	fprintf(stderr, "xpoolctl: unknown command\n");
	usage(stderr);
	return EXIT_USAGE;
}
