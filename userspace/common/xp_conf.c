// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* xp_conf.c - chrony-style config files and the flags that override them, for every daemon. */
#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "xp_conf.h"
#include "xp_parse.h"

#define MAX_DIRS  64
#define MAX_FLAGS 256

int xp_conf_split(char *s, char **argv, int max)
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

int xp_conf_read(const char *path, xp_conf_cb cb, void *ctx)
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
	for (;;) {
		size_t cut;
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
		cut = strcspn(line, "#;!%");
		line[cut] = 0;
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

int xp_conf_hostport(char *dst, size_t n, const char *where, const char *name, const char *s)
{
	struct sockaddr_storage sa;
	socklen_t len;

	/* the same parser as the listener: what the check passes, start-up takes */
	if (xp_parse_hostport(s, 0, &sa, &len)) {
		fprintf(stderr,
			"%s: %s: expected HOST:PORT, HOST a numeric address (127.0.0.1:9123, [::1]:9123), got '%s'\n",
			where, name, s);
		return -EINVAL;
	}
	return xp_conf_string(dst, n, where, name, s);
}

static const struct xp_directive *find(const struct xp_conf_spec *spec, const char *name)
{
	for (size_t i = 0; i < spec->n_dirs; i++)
		if (!strcmp(spec->dirs[i].name, name))
			return &spec->dirs[i];
	return NULL;
}

static int apply_one(const struct xp_directive *d, void *cfg, const char *where, int argc,
		     char **argv)
{
	if (argc - 1 < d->min_args || argc - 1 > d->max_args) {
		fprintf(stderr, "%s: %s: expected %d to %d arguments, got %d\n", where, d->name,
			d->min_args, d->max_args, argc - 1);
		return -EINVAL;
	}
	return d->fn(cfg, where, argc, argv);
}

int xp_conf_apply(const struct xp_conf_spec *spec, void *cfg, const char *where, int argc,
		  char **argv)
{
	const struct xp_directive *d = find(spec, argv[0]);

	if (!d) {
		fprintf(stderr, "%s: unknown directive '%s'\n", where, argv[0]);
		return -EINVAL;
	}
	return apply_one(d, cfg, where, argc, argv);
}

struct file_ctx {
	const struct xp_conf_spec *spec;
	void *cfg;
};

static int file_cb(void *ctx, const char *where, int argc, char **argv)
{
	struct file_ctx *fc = ctx;

	return xp_conf_apply(fc->spec, fc->cfg, where, argc, argv);
}

void xp_conf_usage(const struct xp_conf_spec *spec, FILE *f)
{
	fprintf(f, "Usage: %s [-c FILE] [--DIRECTIVE VALUE ...] [--check-config] [-v]\n\n"
		   "  -c, --config FILE      directives file (default %s)\n",
		spec->prog, spec->default_path);
	if (spec->short_opt)
		fprintf(f, "  -%c VALUE               same as --%s VALUE\n", spec->short_opt,
			spec->short_target);
	fprintf(f, "      --check-config     validate the configuration and exit\n"
		   "  -v, --verbose          log debug messages\n\n"
		   "Every directive of the file is also a flag of the same name, which overrides "
		   "the file:\n");
	for (size_t i = 0; i < spec->n_dirs; i++)
		fprintf(f, "      --%s %s\n", spec->dirs[i].name, spec->dirs[i].help);
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

int xp_conf_load(const struct xp_conf_spec *spec, void *cfg, int argc, char **argv,
		 struct xp_conf_opts *o)
{
	enum { OPT_CHECK = 1000, OPT_DIRECTIVE = 2000 };
	struct option longopts[MAX_DIRS + 5];
	struct file_ctx fc = { spec, cfg };
	struct flag flags[MAX_FLAGS];
	char shortopts[8] = "c:vh";
	bool explicit_config = false;
	int n_flags = 0, opt, ret;
	size_t nd = spec->n_dirs < MAX_DIRS ? spec->n_dirs : MAX_DIRS;

	if (!o->config_path[0])
		snprintf(o->config_path, sizeof(o->config_path), "%s", spec->default_path);
	for (size_t i = 0; i < nd; i++) {
		const struct xp_directive *d = &spec->dirs[i];
		/* a directive whose words are all optional: --name, or --name="words" */
		int has = !d->max_args ? no_argument
				       : d->min_args ? required_argument : optional_argument;

		longopts[i] = (struct option){ d->name, has, NULL, OPT_DIRECTIVE + (int)i };
	}
	longopts[nd] = (struct option){ "config", required_argument, NULL, 'c' };
	longopts[nd + 1] = (struct option){ "check-config", no_argument, NULL, OPT_CHECK };
	longopts[nd + 2] = (struct option){ "verbose", no_argument, NULL, 'v' };
	longopts[nd + 3] = (struct option){ "help", no_argument, NULL, 'h' };
	longopts[nd + 4] = (struct option){ NULL, 0, NULL, 0 };
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
	if (optind < argc) {
		fprintf(stderr, "%s: unexpected argument '%s'\n", spec->prog, argv[optind]);
		return -EINVAL;
	}
	ret = xp_conf_read(o->config_path, file_cb, &fc);
	if (ret == -ENOENT && !explicit_config)
		ret = 0; /* no file at the default path: flags only */
	else if (ret && ret != -EINVAL)
		fprintf(stderr, "%s: %s: %s\n", spec->prog, o->config_path, strerror(-ret));
	opt = apply_flags(spec, cfg, flags, n_flags);
	return ret ? ret : opt;
}
