// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* reg_be.c - the registry's backend interface: opening either engine, and checked calls. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "reg_be.h"
#include "xp_addr.h"
#include "xp_log.h"

int reg_canon_ip(const char *ip, char *out, size_t n)
{
	uint8_t a[16];
	bool v6;

	if (xp_addr_parse(ip, a, &v6)) {
		snprintf(out, n, "%s", ip);
		return -EINVAL;
	}
	xp_addr_text(v6, a, out, n);
	return 0;
}

bool reg_is_uri(const char *where)
{
	return !strncmp(where, "postgresql://", 13) || !strncmp(where, "postgres://", 11);
}

int reg_open(const char *where, enum reg_open_mode mode, struct reg **out)
{
	struct reg *r = calloc(1, sizeof(*r));
	int ret;

	if (!r)
		return -ENOMEM;
	ret = reg_is_uri(where) ? reg_pg_open(where, mode, r) : reg_sqlite_open(where, mode, r);
	if (ret) {
		free(r);
		return ret;
	}
	*out = r;
	return 0;
}

void reg_close(struct reg *r)
{
	if (!r)
		return;
	r->ops->close(r);
	free(r);
}

int reg_reconnect(struct reg *r)
{
	return r->ops->reconnect(r);
}

const char *reg_why(struct reg *r)
{
	return r->why;
}

int reg_checks_durability(struct reg *r)
{
	return r->ops->checks_durability ? r->ops->checks_durability(r) : 0;
}

void reg_set_why(struct reg *r, const char *fmt, ...)
{
	va_list ap;
	size_t n;

	va_start(ap, fmt);
	vsnprintf(r->why, sizeof(r->why), fmt, ap);
	va_end(ap);
	n = strlen(r->why);
	while (n && (r->why[n - 1] == '\n' || r->why[n - 1] == ' '))
		r->why[--n] = 0; /* libpq ends its messages with a newline */
	for (char *p = r->why; *p; p++)
		if (*p == '\n' || *p == '\t')
			*p = ' '; /* one log line */
}

int reg_fail(char *err, size_t n, int ret, const char *fmt, const char *arg)
{
	if (err)
		snprintf(err, n, fmt, arg);
	return ret;
}

int reg_fail_io(struct reg *r, char *err, size_t n, int ret)
{
	switch (ret) {
	case -EEXIST:
		return reg_fail(err, n, ret, "%s", "that address is already registered");
	case -EACCES:
		return reg_fail(err, n, ret, "registry: permission denied: %s", r->why);
	default:
		return reg_fail(err, n, ret, "registry: %s", r->why);
	}
}

int reg_run(struct reg *r, const char *sql, const struct reg_arg *a, int n, long *changes)
{
	int ret = r->ops->query(r, sql, a, n, NULL, changes);

	/* a taken key is an answer for the caller, not an error to log */
	if (ret && ret != -EEXIST)
		xp_debug("registry %s: %s", r->where, r->why);
	return ret;
}

int reg_select(struct reg *r, const char *sql, const struct reg_arg *a, int n, struct reg_res **res)
{
	int ret = r->ops->query(r, sql, a, n, res, NULL);

	if (ret) {
		*res = NULL;
		xp_debug("registry %s: %s", r->where, r->why);
	}
	return ret;
}

int reg_next(struct reg *r, struct reg_res *res)
{
	return r->ops->next(res);
}

long long reg_int(struct reg *r, struct reg_res *res, int c)
{
	return r->ops->col_int(res, c);
}

double reg_real(struct reg *r, struct reg_res *res, int c)
{
	return r->ops->col_real(res, c);
}

const char *reg_text(struct reg *r, struct reg_res *res, int c)
{
	return r->ops->col_text(res, c);
}

bool reg_null(struct reg *r, struct reg_res *res, int c)
{
	return r->ops->col_null(res, c);
}

void reg_done(struct reg *r, struct reg_res *res)
{
	if (res)
		r->ops->done(res);
}

int reg_begin(struct reg *r, enum reg_tx tx)
{
	return r->ops->begin(r, tx);
}

int reg_commit(struct reg *r)
{
	return r->ops->end(r, true);
}

void reg_rollback(struct reg *r)
{
	if (r->ops->in_tx(r))
		r->ops->end(r, false);
}
