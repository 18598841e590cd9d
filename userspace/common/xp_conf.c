// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* xp_conf.c - one typed directive table per program: config file, flags, defaults and help. */
#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "xp_conf.h"
#include "xp_version.h"
#include "xp_parse.h"

#define MAX_DIRS  64
#define MAX_FLAGS 256

static int xp_conf_split(char *s, char **argv, int max)
{
	int n = 0;

	for (char *tok = strtok(s, " \t\r\n"); tok; tok = strtok(NULL, " \t\r\n")) {
		if (n == max)
			return -E2BIG;
		argv[n++] = tok;
	}
	return n;
}

/*
 * Reads one line into line (at most cap - 1 characters): 1 for a line, 0 at the end of the
 * file, or -EINVAL for a line too long or holding a NUL byte (the rest of it is skipped).
 */
static int read_line(FILE *f, char *line, size_t cap, const char *where)
{
	size_t n = 0;
	bool nul = false, long_line = false;
	int c;

	while ((c = getc(f)) != EOF && c != '\n') {
		if (c == 0)
			nul = true;
		else if (n + 1 < cap)
			line[n++] = c;
		else
			long_line = true;
	}
	line[n] = 0;
	if (c == EOF && !n && !nul && !long_line)
		return 0;
	if (nul)
		fprintf(stderr, "%s: a NUL byte in the line (not a text file?)\n", where);
	else if (long_line)
		fprintf(stderr, "%s: line longer than %zu characters\n", where, cap - 1);
	return nul || long_line ? -EINVAL : 1;
}

typedef int (*xp_conf_cb)(void *ctx, const char *where, int argc, char **argv);

/*
 * Where a line's comment starts: a '#', ';', '!' or '%' that begins a word (at the line's start
 * or after a blank), as in chrony.conf. Inside a word they are the word's: a URI's %-escapes, a
 * password's '#' or '!'.
 */
static size_t comment_at(const char *line)
{
	size_t i = 0;

	for (; line[i]; i++)
		if (strchr("#;!%", line[i]) && (i == 0 || line[i - 1] == ' ' || line[i - 1] == '\t'))
			break;
	return i;
}

/*
 * Reads path; '#', ';', '!' and '%' start comments where they begin a word. Every line is
 * handed to cb, even after an error, so that one run reports every bad line. Returns 0, the
 * first error from cb, or -errno when the file cannot be read (-ENOENT when it does not exist).
 * *mode: the file's.
 */
static int xp_conf_read(const char *path, xp_conf_cb cb, void *ctx, mode_t *mode)
{
	char line[1024], where[512], *argv[XP_CONF_MAX_WORDS];
	FILE *f = fopen(path, "r");
	int ret = 0, lineno = 0, got;
	struct stat st;

	if (!f)
		return -errno;
	if (fstat(fileno(f), &st)) {
		ret = -errno;
		fclose(f);
		return ret;
	}
	if (!S_ISREG(st.st_mode)) { /* a directory reads as EISDIR; a FIFO could block forever */
		fclose(f);
		return S_ISDIR(st.st_mode) ? -EISDIR : -EINVAL;
	}
	*mode = st.st_mode;
	for (;;) {
		int argc, r;

		lineno++;
		snprintf(where, sizeof(where), "%s:%d", path, lineno);
		got = read_line(f, line, sizeof(line), where);
		if (!got)
			break;
		if (got < 0) {
			ret = ret ? ret : got;
			continue;
		}
		line[comment_at(line)] = 0;
		argc = xp_conf_split(line, argv, XP_CONF_MAX_WORDS);
		if (argc == 0)
			continue;
		if (argc < 0) {
			fprintf(stderr, "%s: more than %d words\n", where, XP_CONF_MAX_WORDS);
			r = -EINVAL;
		} else {
			r = cb(ctx, where, argc, argv);
		}
		if (r && !ret)
			ret = r;
	}
	if (ferror(f) && !ret)
		ret = -EIO;
	fclose(f);
	return ret;
}

int xp_conf_bad(const char *where, const char *fmt, const char *arg)
{
	fprintf(stderr, "%s: ", where);
	fprintf(stderr, fmt, arg);
	fputc('\n', stderr);
	return -EINVAL;
}

int xp_conf_long(const char *where, const char *name, const char *s, long min, long max, long *v)
{
	if (xp_parse_long(s, min, max, v) == 0)
		return 0;
	fprintf(stderr, "%s: %s: expected a whole number from %ld to %ld, got '%s'\n", where, name,
		min, max, s);
	return -EINVAL;
}

int xp_conf_string(char *dst, size_t n, const char *where, const char *name, const char *s)
{
	if (strlen(s) >= n) {
		fprintf(stderr, "%s: %s: too long (at most %zu characters)\n", where, name, n - 1);
		return -EINVAL;
	}
	strcpy(dst, s);
	return 0;
}

static const struct xp_directive *find(const struct xp_conf_spec *spec, const char *name)
{
	for (size_t i = 0; i < spec->n_dirs; i++)
		if (!strcmp(spec->dirs[i].name, name))
			return &spec->dirs[i];
	return NULL;
}

static void store_int(void *field, size_t size, long v)
{
	switch (size) {
	case 1: {
		int8_t x = v;
		memcpy(field, &x, 1);
		break;
	}
	case 2: {
		int16_t x = v;
		memcpy(field, &x, 2);
		break;
	}
	case 4: {
		int32_t x = v;
		memcpy(field, &x, 4);
		break;
	}
	default: {
		int64_t x = v;
		memcpy(field, &x, 8);
	}
	}
}

/* A typed directive's one word, parsed by the table's rules. */
static int set_typed(const struct xp_directive *d, void *cfg, const char *where, const char *w)
{
	char *field = (char *)cfg + d->off, *end;
	struct sockaddr_storage sa;
	socklen_t len;
	double x;
	long v;

	switch (d->type) {
	case XP_D_FLAG:
		*(bool *)field = true;
		return 0;
	case XP_D_INT:
		if (xp_conf_long(where, d->name, w, (long)d->min, (long)d->max, &v))
			return -EINVAL;
		store_int(field, d->size, v);
		return 0;
	case XP_D_DOUBLE:
		x = strtod(w, &end);
		if (!*w || *end || !(x >= d->min && x <= d->max)) {
			fprintf(stderr, "%s: %s: expected a number from %g to %g, got '%s'\n", where,
				d->name, d->min, d->max, w);
			return -EINVAL;
		}
		*(double *)field = x;
		return 0;
	case XP_D_PATH:
		if (w[0] != '/')
			return xp_conf_bad(where, "%s: expected an absolute path", d->name);
		return xp_conf_string(field, d->size, where, d->name, w);
	case XP_D_STRING:
		return xp_conf_string(field, d->size, where, d->name, w);
	case XP_D_HOSTPORT:
		/* the same parser as the listener: what the check passes, start-up takes */
		if (xp_parse_hostport(w, 0, &sa, &len)) {
			fprintf(stderr,
				"%s: %s: expected HOST:PORT, HOST a numeric address (127.0.0.1:9123, "
				"[::1]:9123), got '%s'\n",
				where, d->name, w);
			return -EINVAL;
		}
		return xp_conf_string(field, d->size, where, d->name, w);
	case XP_D_ENUM:
		for (int i = 0; d->choices[i]; i++)
			if (!strcmp(d->choices[i], w)) {
				if (d->size == sizeof(bool))
					*(bool *)field = i != 0;
				else
					store_int(field, d->size, i);
				return 0;
			}
		fprintf(stderr, "%s: %s: expected ", where, d->name);
		for (int i = 0; d->choices[i]; i++)
			fprintf(stderr, "%s%s", i ? (d->choices[i + 1] ? ", " : " or ") : "",
				d->choices[i]);
		fprintf(stderr, ", got '%s'\n", w);
		return -EINVAL;
	case XP_D_FN:
		break;
	}
	return -EINVAL;
}

static int apply_one(const struct xp_directive *d, void *cfg, const char *where, int argc,
		     char **argv)
{
	int lo = d->min_args, hi = d->max_args;

	if (d->type != XP_D_FN)
		lo = hi = d->type == XP_D_FLAG ? 0 : 1;
	if (argc - 1 < lo || argc - 1 > hi) {
		fprintf(stderr, "%s: %s: expected %d to %d arguments, got %d\n", where, d->name, lo,
			hi, argc - 1);
		return -EINVAL;
	}
	if (d->type == XP_D_FN)
		return d->fn(cfg, where, argc, argv);
	return set_typed(d, cfg, where, argc > 1 ? argv[1] : "");
}

int xp_conf_defaults(const struct xp_conf_spec *spec, void *cfg)
{
	int ret = 0;

	for (size_t i = 0; i < spec->n_dirs; i++) {
		const struct xp_directive *d = &spec->dirs[i];
		char buf[512], *words[XP_CONF_MAX_WORDS + 1];
		int n;

		if (!d->def)
			continue;
		snprintf(buf, sizeof(buf), "%s %s", d->name, d->def);
		n = xp_conf_split(buf, words, XP_CONF_MAX_WORDS);
		if (n < 0 || apply_one(d, cfg, "built-in default", n, words))
			ret = -EINVAL; /* a table error: tests load every table */
	}
	return ret;
}

static int xp_conf_apply(const struct xp_conf_spec *spec, void *cfg, const char *where, int argc,
			 char **argv)
{
	const struct xp_directive *d = find(spec, argv[0]);

	if (!d) {
		fprintf(stderr, "%s: unknown directive '%s'\n", where, argv[0]);
		return -EINVAL;
	}
	return apply_one(d, cfg, where, argc, argv);
}

bool xp_conf_secret_always(const char *word)
{
	(void)word;
	return true;
}

bool xp_conf_secret_uri(const char *word)
{
	char shown[1024];

	/* what a log would hide holds a secret: a URI's password, any password= parameter (a
	 * query's or a keyword's, sslpassword too, its name %-encoded or not) */
	xp_redact(word, shown, sizeof(shown));
	return strcmp(shown, word) != 0;
}

struct file_ctx {
	const struct xp_conf_spec *spec;
	void *cfg;
	char secret_where[512]; /* the first line that holds a secret, and its directive */
	const char *secret_name;
};

static int file_cb(void *ctx, const char *where, int argc, char **argv)
{
	struct file_ctx *fc = ctx;
	const struct xp_directive *d = find(fc->spec, argv[0]);

	if (d && d->secret && argc > 1 && !fc->secret_name && d->secret(argv[1])) {
		snprintf(fc->secret_where, sizeof(fc->secret_where), "%s", where);
		fc->secret_name = d->name;
	}
	return xp_conf_apply(fc->spec, fc->cfg, where, argc, argv);
}

/*
 * A file every user may read must hold no secret, and one every user may write must not be
 * trusted: a warning with the fix, never the secret. The units read the files as the user
 * xpool (xpool-ntpd as root): root:xpool 0640 lets them and nobody else.
 */
static void warn_mode(const struct xp_conf_spec *spec, const char *path, mode_t mode,
		      const struct file_ctx *fc)
{
	if (fc->secret_name && (mode & S_IROTH))
		fprintf(stderr,
			"%s: warning: %s: %s holds a secret, and every user may read the file "
			"(mode %04o): chown root:xpool %s; chmod 0640 %s\n",
			spec->prog, fc->secret_where, fc->secret_name, (unsigned)(mode & 07777),
			path, path);
	if (mode & S_IWOTH)
		fprintf(stderr,
			"%s: warning: %s: every user may change this configuration (mode %04o): "
			"chmod o-w %s\n",
			spec->prog, path, (unsigned)(mode & 07777), path);
}

void xp_conf_usage(const struct xp_conf_spec *spec, FILE *f)
{
	fprintf(f, "Usage: %s [-c FILE] [--DIRECTIVE VALUE ...] [--check-config] [-v]%s%s\n\n",
		spec->prog, spec->usage_args ? " " : "", spec->usage_args ? spec->usage_args : "");
	if (spec->default_path)
		fprintf(f, "  -c, --config FILE      directives file (default %s)\n",
			spec->default_path);
	if (spec->short_opt)
		fprintf(f, "  -%c VALUE               same as --%s VALUE\n", spec->short_opt,
			spec->short_target);
	fprintf(f, "      --check-config     validate the configuration and exit\n"
		   "      --version          print the version and exit\n"
		   "  -v, --verbose          log debug messages\n\n"
		   "Every directive of the file is also a flag of the same name, which overrides "
		   "the file:\n");
	for (size_t i = 0; i < spec->n_dirs; i++) {
		const struct xp_directive *d = &spec->dirs[i];
		char arg[64] = "", range[64] = "";

		if (d->type == XP_D_ENUM) {
			size_t o = 0;

			for (int k = 0; d->choices[k] && o < sizeof(arg); k++)
				o += snprintf(arg + o, sizeof(arg) - o, "%s%s", k ? "|" : "",
					      d->choices[k]);
		} else if (d->arg) {
			snprintf(arg, sizeof(arg), "%s", d->arg);
		}
		if (d->type == XP_D_INT || d->type == XP_D_DOUBLE)
			snprintf(range, sizeof(range), ", %.15g to %.15g", d->min, d->max);
		fprintf(f, "      --%s%s%s\n          %s%s%s%s%s%s\n", d->name, arg[0] ? " " : "", arg,
			d->help, range[0] || d->def || d->list ? " (" : "", range[0] ? range + 2 : "",
			d->def ? (range[0] ? ", default " : "default ") : "", d->def ? d->def : "",
			d->list ? (range[0] || d->def ? "; repeatable)" : "repeatable)")
				: range[0] || d->def ? ")" : "");
	}
	if (spec->help_text)
		fprintf(f, "\n%s", spec->help_text);
}

struct flag {
	const struct xp_directive *d;
	char *arg;
};

/* Applies the flags collected from argv, after the file. */
static int apply_flags(const struct xp_conf_spec *spec, void *cfg, const struct flag *flags,
		       int n)
{
	bool cleared[MAX_DIRS + 1] = { false };
	int ret = 0;

	for (int i = 0; i < n; i++) {
		const struct xp_directive *d = flags[i].d;
		char where[128], buf[512], *words[XP_CONF_MAX_WORDS + 1];
		int nw = 1, r;

		words[0] = (char *)d->name;
		if (flags[i].arg) {
			snprintf(buf, sizeof(buf), "%s", flags[i].arg);
			nw = xp_conf_split(buf, words + 1, XP_CONF_MAX_WORDS);
			nw = nw < 0 ? -1 : nw + 1;
		}
		snprintf(where, sizeof(where), "command line (--%s)", d->name);
		if (d->list > 0 && d->list <= MAX_DIRS && !cleared[d->list]) {
			cleared[d->list] = true;
			spec->clear_list(cfg, d->list);
		}
		r = nw < 0 ? xp_conf_bad(where, "%s: too many words", d->name)
			   : apply_one(d, cfg, where, nw, words);
		if (r && !ret)
			ret = r;
	}
	return ret;
}

const char *xp_conf_verdict(const char *path, int file_err, char *buf, size_t n)
{
	const char *rest = "the built-in defaults and the flags are OK";

	if (!path || !path[0])
		snprintf(buf, n, "no configuration file; %s", rest);
	else if (file_err == -ENOENT)
		snprintf(buf, n, "%s: no such file; %s", path, rest);
	else if (file_err)
		snprintf(buf, n, "%s: not checked (%s: run the check as a user who may read it); %s",
			 path, strerror(-file_err), rest);
	else
		snprintf(buf, n, "%s: configuration OK", path);
	return buf;
}

int xp_conf_load(const struct xp_conf_spec *spec, void *cfg, int argc, char **argv,
		 struct xp_conf_opts *o)
{
	enum { OPT_CHECK = 1000, OPT_VERSION, OPT_DIRECTIVE = 2000 };
	struct option longopts[MAX_DIRS + 6];
	struct file_ctx fc = { .spec = spec, .cfg = cfg };
	mode_t mode = 0;
	struct flag flags[MAX_FLAGS];
	char shortopts[8] = "c:vh";
	bool explicit_config = false;
	int n_flags = 0, opt, ret;
	size_t nd = spec->n_dirs < MAX_DIRS ? spec->n_dirs : MAX_DIRS;

	if (!o->config_path[0] && spec->default_path)
		snprintf(o->config_path, sizeof(o->config_path), "%s", spec->default_path);
	if (xp_conf_defaults(spec, cfg)) {
		fprintf(stderr, "%s: a built-in default does not parse (a bug)\n", spec->prog);
		return -EINVAL;
	}
	for (size_t i = 0; i < nd; i++) {
		const struct xp_directive *d = &spec->dirs[i];
		/* a directive whose words are all optional: --name, or --name="words" */
		int has = d->type == XP_D_FLAG ? no_argument
			  : d->type != XP_D_FN ? required_argument
			  : !d->max_args ? no_argument
			  : d->min_args	 ? required_argument
					 : optional_argument;

		longopts[i] = (struct option){ d->name, has, NULL, OPT_DIRECTIVE + (int)i };
	}
	longopts[nd] = (struct option){ "config", required_argument, NULL, 'c' };
	longopts[nd + 1] = (struct option){ "check-config", no_argument, NULL, OPT_CHECK };
	longopts[nd + 2] = (struct option){ "verbose", no_argument, NULL, 'v' };
	longopts[nd + 3] = (struct option){ "help", no_argument, NULL, 'h' };
	longopts[nd + 4] = (struct option){ "version", no_argument, NULL, OPT_VERSION };
	longopts[nd + 5] = (struct option){ NULL, 0, NULL, 0 };
	if (spec->short_opt) {
		shortopts[4] = spec->short_opt;
		shortopts[5] = ':';
	}
	optind = 1;
	while ((opt = getopt_long(argc, argv, shortopts, longopts, NULL)) != -1) {
		if (opt == 'c') {
			if (xp_conf_string(o->config_path, sizeof(o->config_path), "command line",
					   "--config", optarg))
				return -EINVAL;
			explicit_config = true;
		} else if (opt == OPT_CHECK) {
			o->check_only = true;
		} else if (opt == 'v') {
			o->verbose = true;
		} else if (opt == 'h') {
			xp_conf_usage(spec, stdout);
			exit(0);
		} else if (opt == OPT_VERSION) {
			printf("%s %s\n", spec->prog, xp_version());
			exit(0);
		} else if (spec->short_opt && opt == spec->short_opt && n_flags < MAX_FLAGS) {
			flags[n_flags].d = find(spec, spec->short_target);
			flags[n_flags++].arg = optarg;
		} else if (opt >= OPT_DIRECTIVE && n_flags < MAX_FLAGS) {
			flags[n_flags].d = &spec->dirs[opt - OPT_DIRECTIVE];
			flags[n_flags++].arg = optarg;
		} else {
			fprintf(stderr, "%s: invalid option; try '%s --help'\n", spec->prog,
				spec->prog);
			return -EINVAL;
		}
	}
	if (optind < argc && !spec->args) {
		fprintf(stderr, "%s: unexpected argument '%s'\n", spec->prog, argv[optind]);
		return -EINVAL;
	}
	o->argc = argc - optind;
	o->argv = argv + optind;
	ret = o->config_path[0] ? xp_conf_read(o->config_path, file_cb, &fc, &mode) : -ENOENT;
	o->file_err = ret == -ENOENT || ret == -EACCES ? ret : 0;
	if (ret == -ENOENT && explicit_config)
		fprintf(stderr, "%s: -c %s: no such file (give an existing file; without -c, %s is "
				"read when it exists)\n",
			spec->prog, o->config_path, spec->default_path ? spec->default_path : "none");
	else if (ret == -ENOENT)
		ret = 0; /* no file at the default path: flags only */
	else if (ret == -EACCES && !explicit_config) {
		/* the default file is the service's (0640 root:xpool): another user runs with flags */
		fprintf(stderr, "%s: warning: %s: %s: its settings are not used (give -c FILE, or "
				"flags)\n",
			spec->prog, o->config_path, strerror(-ret));
		ret = 0;
	}
	else if (ret && ret != -EINVAL)
		fprintf(stderr, "%s: %s: %s\n", spec->prog, o->config_path, strerror(-ret));
	if (mode)
		warn_mode(spec, o->config_path, mode, &fc);
	opt = apply_flags(spec, cfg, flags, n_flags);
	return ret ? ret : opt;
}
