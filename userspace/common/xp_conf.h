/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* xp_conf.h - chrony-style config files and the flags that override them, for every daemon. */
#ifndef XP_CONF_H
#define XP_CONF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#define XP_CONF_MAX_WORDS 16

/* Called per directive; where is "FILE:LINE" or "command line (--name)". 0 or -errno. */
typedef int (*xp_conf_cb)(void *ctx, const char *where, int argc, char **argv);

/*
 * Reads path; '#', ';', '!' and '%' start comments. Every line is handed to cb, even after an
 * error, so that one run reports every bad line. Returns 0, the first error from cb, or
 * -errno when the file cannot be read (-ENOENT when it does not exist).
 */
int xp_conf_read(const char *path, xp_conf_cb cb, void *ctx);

/* Splits s in place on blanks: the word count, or -E2BIG. */
int xp_conf_split(char *s, char **argv, int max);

struct xp_directive {
	const char *name;
	int min_args, max_args;
	int list;   /* 0: set once; N > 0: repeatable, directives with the same N fill one list */
	int (*fn)(void *cfg, const char *where, int argc, char **argv);
	const char *help;
};

/* A daemon's directives, and how its flags map onto them. */
struct xp_conf_spec {
	const char *prog;
	const char *default_path;
	const struct xp_directive *dirs;
	size_t n_dirs;
	/* empties list N: the first flag of a repeatable directive replaces the file's entries */
	void (*clear_list)(void *cfg, int list);
	char short_opt;		   /* a one-letter alias (-i for interface), or 0 */
	const char *short_target;  /* the directive it stands for */
};

struct xp_conf_opts {
	char config_path[256];
	bool check_only;
	bool verbose;
};

/*
 * The file (o->config_path, or the spec's default: a missing default is fine), then the flags
 * over it. Prints usage and exits 0 on --help. 0 or -EINVAL after reporting every error.
 */
int xp_conf_load(const struct xp_conf_spec *spec, void *cfg, int argc, char **argv,
		 struct xp_conf_opts *o);

/* Applies one directive line. */
int xp_conf_apply(const struct xp_conf_spec *spec, void *cfg, const char *where, int argc,
		  char **argv);

void xp_conf_usage(const struct xp_conf_spec *spec, FILE *f);

/* Helpers for directive handlers: print "where: ..." and return -EINVAL. */
int xp_conf_bad(const char *where, const char *fmt, const char *arg);
int xp_conf_long(const char *where, const char *name, const char *s, long min, long max, long *v);
int xp_conf_string(char *dst, size_t n, const char *where, const char *name, const char *s);
/* HOST:PORT (port 1-65535; [IPv6]:PORT) into dst, for listen-style directives. */
int xp_conf_hostport(char *dst, size_t n, const char *where, const char *name, const char *s);

#endif
