/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* xp_conf.h - one typed directive table per program: config file, flags, defaults and help. */
#ifndef XP_CONF_H
#define XP_CONF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#define XP_CONF_MAX_WORDS 16

/*
 * What a directive holds. The typed ones are parsed here, from the table: their limits and
 * defaults live in the table and nowhere else. XP_D_FN hands the words to a handler.
 */
enum xp_dtype {
	XP_D_FN,       /* the handler parses: min_args..max_args words */
	XP_D_FLAG,     /* no words: sets a bool */
	XP_D_INT,      /* a whole number in [min, max], into an integer field of size 1-8 */
	XP_D_DOUBLE,   /* a number in [min, max] */
	XP_D_STRING,   /* one word, shorter than the field */
	XP_D_PATH,     /* one absolute path, shorter than the field */
	XP_D_HOSTPORT, /* a numeric ADDR:PORT (xp_parse_hostport), kept as text */
	XP_D_ENUM,     /* one of choices: the index, into an int or bool field */
};

typedef int (*xp_dir_fn)(void *cfg, const char *where, int argc, char **argv);

/*
 * Does a directive's first word hold a secret (a password in a URI, a key)? A config file
 * that holds one while every user may read it draws a warning naming the fix (0640 root:xpool).
 */
typedef bool (*xp_secret_fn)(const char *word);
bool xp_conf_secret_always(const char *word);
/* A password in a URI: scheme://user:PASSWORD@host..., or a password= parameter (libpq). */
bool xp_conf_secret_uri(const char *word);

struct xp_directive {
	const char *name;
	enum xp_dtype type;
	size_t off, size;	     /* the field, for typed directives */
	double min, max;	     /* XP_D_INT, XP_D_DOUBLE */
	const char *const *choices; /* XP_D_ENUM, NULL-terminated */
	const char *def;	     /* the default, as written in a file; NULL: none */
	const char *arg;	     /* the words, for help ("SEC", "PREFIX|all [kod]") */
	const char *help;
	/* XP_D_FN only */
	int min_args, max_args;
	int list; /* 0: set once; N > 0: repeatable, directives with the same N fill one list */
	xp_dir_fn fn;
	xp_secret_fn secret; /* NULL: the words never hold a secret */
};

#define XP_FIELD(st, f) .off = offsetof(st, f), .size = sizeof(((st *)0)->f)
#define XP_INT(n, st, f, lo, hi, d, a, h)                                                      \
	{ .name = n, .type = XP_D_INT, XP_FIELD(st, f), .min = lo, .max = hi, .def = d, .arg = a, \
	  .help = h }
#define XP_DOUBLE(n, st, f, lo, hi, d, a, h)                                                   \
	{ .name = n, .type = XP_D_DOUBLE, XP_FIELD(st, f), .min = lo, .max = hi, .def = d,       \
	  .arg = a, .help = h }
#define XP_FLAG(n, st, f, h) { .name = n, .type = XP_D_FLAG, XP_FIELD(st, f), .help = h }
#define XP_STRING(n, st, f, d, a, h)                                                           \
	{ .name = n, .type = XP_D_STRING, XP_FIELD(st, f), .def = d, .arg = a, .help = h }
#define XP_PATH(n, st, f, d, a, h)                                                             \
	{ .name = n, .type = XP_D_PATH, XP_FIELD(st, f), .def = d, .arg = a, .help = h }
#define XP_HOSTPORT(n, st, f, d, h)                                                            \
	{ .name = n, .type = XP_D_HOSTPORT, XP_FIELD(st, f), .def = d, .arg = "ADDR:PORT", .help = h }
#define XP_ENUM(n, st, f, ch, d, h)                                                            \
	{ .name = n, .type = XP_D_ENUM, XP_FIELD(st, f), .choices = ch, .def = d, .help = h }
#define XP_FN(n, lo, hi, l, f, d, a, h)                                                        \
	{ .name = n, .type = XP_D_FN, .min_args = lo, .max_args = hi, .list = l, .fn = f,        \
	  .def = d, .arg = a, .help = h }
/* the same, for directives whose words may hold a secret (s: an xp_secret_fn) */
#define XP_STRING_SECRET(n, st, f, d, a, h, s)                                                 \
	{ .name = n, .type = XP_D_STRING, XP_FIELD(st, f), .def = d, .arg = a, .help = h,        \
	  .secret = s }
#define XP_FN_SECRET(n, lo, hi, l, f, d, a, h, s)                                              \
	{ .name = n, .type = XP_D_FN, .min_args = lo, .max_args = hi, .list = l, .fn = f,        \
	  .def = d, .arg = a, .help = h, .secret = s }

/* A program's directives, and how its flags map onto them. */
struct xp_conf_spec {
	const char *prog;
	const char *default_path; /* NULL: no config file */
	const struct xp_directive *dirs;
	size_t n_dirs;
	/* empties list N: the first flag of a repeatable directive replaces the file's entries */
	void (*clear_list)(void *cfg, int list);
	char short_opt;		  /* a one-letter alias (-i for interface), or 0 */
	const char *short_target; /* the directive it stands for */
	bool args;		  /* words after the flags are the caller's (xpoolctl's commands) */
	const char *usage_args;	  /* for help: "COMMAND ..." */
	const char *help_text;	  /* printed after the directives (commands) */
};

struct xp_conf_opts {
	char config_path[256];
	bool check_only;
	bool verbose;
	int argc; /* with spec->args: the words left after the flags */
	char **argv;
	/* 0: config_path was read; -ENOENT: no file (the default path absent, or none); -EACCES:
	 * the default file could not be read (only the defaults and the flags were used) */
	int file_err;
};

/*
 * The table's defaults, then the file (o->config_path, or the spec's default: a missing
 * default file is fine), then the flags over it. Prints usage and exits 0 on --help. 0 or
 * -EINVAL after reporting every error. Warns (stderr, once) when the file holds a secret and
 * every user may read it, or when every user may write it.
 */
int xp_conf_load(const struct xp_conf_spec *spec, void *cfg, int argc, char **argv,
		 struct xp_conf_opts *o);

/*
 * What --check-config prints (no newline), from the path and xp_conf_opts.file_err: "PATH:
 * configuration OK" only when the file was read; "PATH: no such file; the built-in defaults and
 * the flags are OK" when the default file is absent; never "OK" for a file not read. Returns buf.
 */
const char *xp_conf_verdict(const char *path, int file_err, char *buf, size_t n);

/* Applies every default of the table (as the file would): 0, or -EINVAL for a bad table. */
int xp_conf_defaults(const struct xp_conf_spec *spec, void *cfg);

/* --help: every directive with its words, help, range and default, from the table. */
void xp_conf_usage(const struct xp_conf_spec *spec, FILE *f);

/* Helpers for directive handlers: print "where: ..." and return -EINVAL. */
int xp_conf_bad(const char *where, const char *fmt, const char *arg)
	__attribute__((format(printf, 2, 0)));
int xp_conf_long(const char *where, const char *name, const char *s, long min, long max, long *v);
int xp_conf_string(char *dst, size_t n, const char *where, const char *name, const char *s);

#endif
