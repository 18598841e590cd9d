// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* dns_data.c - the server snapshot, and the immutable per-zone sets prepared from it. */
#define _XOPEN_SOURCE 700
#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <jansson.h>

#include "dns_data.h"
#include "xp_addr.h"
#include "xp_log.h"

/* the last reason a snapshot was refused, for a caller that logs it itself (DNS_SNAP_QUIET) */
static __thread char last_why[256];
static __thread bool quiet;

const char *dns_snapshot_why(void)
{
	return last_why;
}

/* Notes (and, unless quiet, logs as "path: why") why a snapshot is refused: -err. */
static int refuse(const char *path, int err, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static int refuse(const char *path, int err, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(last_why, sizeof(last_why), fmt, ap);
	va_end(ap);
	if (!quiet)
		xp_err("%s: %s", path, last_why);
	return -err;
}

static int fail(const char *path, long i, const char *field, const char *why)
{
	if (i >= 0)
		return refuse(path, EINVAL, "servers[%ld]%s%s: %s", i, *field ? "." : "", field,
			      why);
	return refuse(path, EINVAL, "%s: %s", field, why);
}

static int parse_time(const char *s, time_t *t)
{
	struct tm tm = {0};
	const char *end = strptime(s, "%Y-%m-%dT%H:%M:%S", &tm);

	if (!end)
		return -EINVAL;
	if (*end == '.') /* fractions of a second */
		while (*++end >= '0' && *end <= '9')
			;
	if (strcmp(end, "Z") && strcmp(end, "+00:00"))
		return -EINVAL;
	*t = timegm(&tm);
	return 0;
}

static int parse_server(const char *path, long i, json_t *o, unsigned flags,
			struct dns_snap_entry *e)
{
	char why[200];
	json_t *ip = json_object_get(o, "ip"), *ns = json_object_get(o, "netspeed");
	json_t *score = json_object_get(o, "score"), *cc = json_object_get(o, "country");
	json_t *en = json_object_get(o, "enabled");
	const char *s;

	if (!json_is_object(o))
		return fail(path, i, "", "not an object");
	if (!json_is_string(ip))
		return fail(path, i, "ip", "missing or not a string");
	s = json_string_value(ip);
	memset(e->addr, 0, 16);
	e->v6 = strchr(s, ':') != NULL;
	if (inet_pton(e->v6 ? AF_INET6 : AF_INET, s, e->addr) != 1)
		return fail(path, i, "ip", "not an IPv4 or IPv6 address");
	if (xp_addr_check_server(e->v6, e->addr, flags & DNS_SNAP_TEST_ADDRESSES,
				 "the directive test-addresses in xpool-dns's configuration, or "
				 "--test-addresses",
				 why, sizeof(why)))
		return fail(path, i, "ip", why);
	if (!json_is_integer(ns) || json_integer_value(ns) < 0 ||
	    json_integer_value(ns) > 100000000)
		return fail(path, i, "netspeed",
			    "missing, or not a whole number of kbit/s 0-100000000");
	e->netspeed = json_integer_value(ns);
	if (!json_is_number(score) || json_number_value(score) < -100 ||
	    json_number_value(score) > 20)
		return fail(path, i, "score", "missing, or not a number from -100 to 20");
	e->score = json_number_value(score);
	if (!json_is_string(cc) ||
	    (e->cc = xp_cc_index(json_string_value(cc), strlen(json_string_value(cc)))) < 0)
		return fail(path, i, "country", "missing, or not an ISO 3166 alpha-2 code");
	if (en && !json_is_boolean(en))
		return fail(path, i, "enabled", "not true or false");
	e->enabled = !en || json_is_true(en);
	return 0;
}

static int from_json(json_t *root, const char *path, unsigned flags, struct dns_snapshot *out);

static int addr_cmp(const void *a, const void *b)
{
	const struct dns_snap_entry *x = a, *y = b;

	return x->v6 != y->v6 ? x->v6 - y->v6 : memcmp(x->addr, y->addr, 16);
}

int dns_snapshot_load(const char *path, unsigned flags, size_t max_bytes, struct dns_snapshot *out)
{
	json_error_t jerr;
	struct stat st;
	json_t *root;

	memset(out, 0, sizeof(*out));
	last_why[0] = 0;
	quiet = flags & DNS_SNAP_QUIET;
	/* parsing costs about 13 bytes of memory per byte of JSON: bound it before reading */
	if (stat(path, &st))
		return refuse(path, errno,
			      "%s (the snapshot directive names the file xpoolctl "
			      "export writes)",
			      strerror(errno));
	if (!S_ISREG(st.st_mode))
		return refuse(path, EINVAL,
			      "not a regular file (the snapshot directive names the "
			      "file xpoolctl export writes)");
	if (max_bytes && (size_t)st.st_size > max_bytes)
		return refuse(path, EFBIG,
			      "%lld bytes, over snapshot-max-mb (%zu MB): refused "
			      "unread (raise snapshot-max-mb for a pool this big)",
			      (long long)st.st_size, max_bytes >> 20);
	root = json_load_file(path, JSON_REJECT_DUPLICATES, &jerr);
	if (!root)
		return refuse(path, EINVAL,
			      "line %d: not JSON: %s (a snapshot is the JSON "
			      "xpoolctl export writes)",
			      jerr.line, jerr.text);
	return from_json(root, path, flags, out);
}

int dns_snapshot_parse(const char *buf, size_t len, const char *name, unsigned flags,
		       struct dns_snapshot *out)
{
	json_error_t jerr;
	json_t *root = json_loadb(buf, len, JSON_REJECT_DUPLICATES, &jerr);

	memset(out, 0, sizeof(*out));
	last_why[0] = 0;
	quiet = flags & DNS_SNAP_QUIET;
	if (!root)
		return refuse(name, EINVAL,
			      "line %d: not JSON: %s (a snapshot is the JSON "
			      "xpoolctl export writes)",
			      jerr.line, jerr.text);
	return from_json(root, name, flags, out);
}

/* Validates a parsed document (and frees it). */
static int from_json(json_t *root, const char *path, unsigned flags, struct dns_snapshot *out)
{
	json_t *servers, *gen;
	int ret = 0;

	servers = json_object_get(root, "servers");
	gen = json_object_get(root, "generated");
	if (!json_is_object(root) || !json_is_array(servers)) {
		ret = fail(
		    path, -1, "servers",
		    "missing, or not an array (a snapshot is the JSON xpoolctl export writes)");
		goto out;
	}
	if (gen && (!json_is_string(gen) || parse_time(json_string_value(gen), &out->generated))) {
		ret =
		    fail(path, -1, "generated", "not an RFC 3339 UTC time (2026-01-02T03:04:05Z)");
		goto out;
	}
	if (out->generated > time(NULL) + 86400) {
		ret = fail(path, -1, "generated",
			   "more than a day in the future (the exporting host's clock?)");
		goto out;
	}
	out->n = json_array_size(servers);
	out->e = calloc(out->n ? out->n : 1, sizeof(*out->e));
	if (!out->e) {
		ret = -ENOMEM;
		goto out;
	}
	for (size_t i = 0; i < out->n && !ret; i++)
		ret = parse_server(path, i, json_array_get(servers, i), flags, &out->e[i]);
	if (!ret && out->n > 1) {
		struct dns_snap_entry *sorted = malloc(out->n * sizeof(*sorted));

		if (!sorted) {
			ret = -ENOMEM;
			goto out;
		}
		memcpy(sorted, out->e, out->n * sizeof(*sorted));
		qsort(sorted, out->n, sizeof(*sorted), addr_cmp);
		for (size_t i = 1; i < out->n && !ret; i++)
			if (!addr_cmp(&sorted[i - 1], &sorted[i]))
				ret = fail(path, -1, "servers", "an address is listed twice");
		free(sorted);
	}
out:
	json_decref(root);
	if (ret)
		dns_snapshot_free(out);
	return ret;
}

size_t dns_snapshot_listed(const struct dns_snapshot *s, double min_score)
{
	size_t n = 0;

	for (size_t i = 0; i < s->n; i++)
		n += dns_entry_listed(&s->e[i], min_score);
	return n;
}

void dns_snapshot_free(struct dns_snapshot *s)
{
	free(s->e);
	s->e = NULL;
	s->n = 0;
}

static void *keep(struct dns_data *d, size_t size)
{
	void *p;

	if (d->n_allocs == sizeof(d->allocs) / sizeof(d->allocs[0]))
		return NULL;
	p = calloc(1, size ? size : 1);
	if (p)
		d->allocs[d->n_allocs++] = p;
	return p;
}

static int set_init(struct dns_data *d, struct pool_set *set, const struct pool_host *src,
		    uint32_t n)
{
	set->n = n;
	set->s = keep(d, n * sizeof(*set->s));
	set->alias = keep(d, n * sizeof(*set->alias));
	if (!set->s || !set->alias)
		return -ENOMEM;
	memcpy(set->s, src, n * sizeof(*src));
	set->total = 0;
	for (uint32_t i = 0; i < n; i++)
		set->total += set->s[i].weight;
	return set->total ? pool_set_index(set) : 0;
}

static int build_zone(struct dns_data *d, struct dns_zone *z, int fam, struct pool_host *srv,
		      uint32_t n, struct pool_rng *rng)
{
	uint32_t base = n / 4, start = 0;
	int ret = set_init(d, &z->all[fam], srv, n);

	if (ret)
		return ret;
	if (n < 8) {
		for (int k = 0; k < 4 && !ret; k++)
			ret = set_init(d, &z->num[k][fam], srv, n);
		return ret;
	}
	for (uint32_t i = n - 1; i > 0; i--) { /* Fisher-Yates */
		uint32_t j = pool_rng_next(rng) % (i + 1);
		struct pool_host t = srv[i];

		srv[i] = srv[j];
		srv[j] = t;
	}
	for (uint32_t k = 0; k < 4 && !ret; k++) {
		uint32_t size = base + (k < n % 4 ? 1 : 0);

		ret = set_init(d, &z->num[k][fam], srv + start, size);
		start += size;
	}
	return ret;
}

struct dns_data *dns_data_build(const struct dns_snapshot *s, double min_score, uint64_t seed,
				uint32_t serial)
{
	/* one pass to count, one to place: every server once, not once per zone (O(n), not O(zones
	 * n)) */
	static _Thread_local size_t off[POOL_N_ZONES][2], fill[POOL_N_ZONES][2];
	struct dns_data *d = calloc(1, sizeof(*d));
	struct pool_host *all = NULL;
	struct pool_rng rng;
	size_t total = 0;
	int ret = 0;

	if (!d)
		goto fail;
	memset(off, 0, sizeof(off));
	for (size_t i = 0; i < s->n; i++) {
		const struct dns_snap_entry *e = &s->e[i];
		int z[POOL_ZONES_OF_MAX], nz;

		if (!dns_entry_listed(e, min_score))
			continue;
		nz = pool_zone_of(e->cc, z);
		for (int k = 0; k < nz; k++)
			off[z[k]][e->v6]++;
	}
	for (int zone = 0; zone < POOL_N_ZONES; zone++)
		for (int fam = 0; fam < 2; fam++) {
			size_t n = off[zone][fam];

			off[zone][fam] = fill[zone][fam] = total;
			total += n;
		}
	all = malloc((total ? total : 1) * sizeof(*all));
	if (!all)
		goto fail;
	for (size_t i = 0; i < s->n; i++) {
		const struct dns_snap_entry *e = &s->e[i];
		int z[POOL_ZONES_OF_MAX], nz;

		if (!dns_entry_listed(e, min_score))
			continue;
		nz = pool_zone_of(e->cc, z);
		for (int k = 0; k < nz; k++) {
			struct pool_host *h = &all[fill[z[k]][e->v6]++];

			memcpy(h->addr, e->addr, 16);
			h->weight = e->netspeed;
		}
	}
	pool_rng_seed(&rng, seed);
	d->generated = s->generated;
	d->serial = serial;
	for (int zone = 0; zone < POOL_N_ZONES && !ret; zone++) {
		for (int fam = 0; fam < 2 && !ret; fam++) {
			uint32_t n = fill[zone][fam] - off[zone][fam];

			if (zone == POOL_ZONE_GLOBAL)
				d->listed += n;
			ret = build_zone(d, &d->zones[zone], fam, all + off[zone][fam], n, &rng);
		}
	}
	free(all);
	all = NULL;
	if (!ret)
		return d;
fail:
	free(all);
	dns_data_free(d);
	return NULL;
}

void dns_data_free(struct dns_data *d)
{
	if (!d)
		return;
	for (size_t i = 0; i < d->n_allocs; i++)
		free(d->allocs[i]);
	free(d);
}
