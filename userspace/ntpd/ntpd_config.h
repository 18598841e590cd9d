/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* ntpd_config.h - xpool-ntpd's directives, from /etc/xpool/ntpd.conf and the command line. */
#ifndef NTPD_CONFIG_H
#define NTPD_CONFIG_H

#include <stdbool.h>
#include <stdint.h>

#include "rsp_xdp.h"
#include "xp_conf.h"
#include "xpool_shared.h"

#define NTPD_CONFIG_DEFAULT    "/etc/xpool/ntpd.conf"
#define NTPD_CHRONY_SOCKET     "/run/chrony/chronyd.sock"
#define NTPD_MAX_ADDRS	       64
#define NTPD_MAX_ACL	       256

struct ntpd_acl_entry {
	uint8_t addr[16]; /* IPv6, or IPv4 mapped */
	uint32_t prefixlen; /* over the 128-bit form */
	uint32_t action;    /* enum xpool_acl_action */
};

struct ntpd_config {
	char ifaces[RSP_MAX_IFACES][16];
	int n_if;
	uint8_t addrs[NTPD_MAX_ADDRS][16]; /* "address": answer only for these */
	int n_addrs;
	bool addr_any; /* "address any": every destination (anycast); default: the interfaces' */
	enum rsp_xdp_mode xdp_mode;
	int xdp_attach; /* 0 netlink, 1 libxdp */
	char chrony_socket[108];
	bool no_chrony;
	uint32_t stale_after;	/* seconds */
	bool rl_enabled;	/* "ratelimit" given */
	int rl_interval;	/* log2 seconds, as chrony */
	int rl_burst;
	int rl_leak;
	bool rl_kod;
	uint32_t rl_clients;	/* LRU size */
	struct ntpd_acl_entry acl[NTPD_MAX_ACL];
	int n_acl;
	uint32_t control_mode;	/* enum xpool_control_mode */
	bool unsync_pass;
	char metrics[64];	/* HOST:PORT, empty = off */
	char pin_path[256];
	char xdp_next[256]; /* xdp-next: the pinned program after xpool, "" for none */
	int stratum;		/* --no-chrony only */
	uint32_t refid_be;	/* --no-chrony only */
	bool adopt;
	bool detach_on_exit;
	bool verbose;
	bool check_only;
	bool test_mode;	     /* allows the test-only faults below */
	long test_offset_ms; /* fault: serve time this far off (demo and tests only) */
	char config_path[256];
	int config_err; /* xp_conf_opts.file_err: whether the file was read */
};

/* Defaults, then the config file, then command-line flags (which override). 0 or -EINVAL. */
int ntpd_config_load(struct ntpd_config *c, int argc, char **argv);

/*
 * What start-up needs of the system (every interface exists), checked the same way by
 * --check-config and by start-up: 0 or -ENODEV, each problem on stderr.
 */
int ntpd_config_check_system(const struct ntpd_config *c);

/* The directive table (tests compare it with the man pages). */
const struct xp_conf_spec *ntpd_config_spec(void);

/* The XDP config map value these directives describe. */
void ntpd_config_to_map(const struct ntpd_config *c, struct xpool_config *m);

#endif
