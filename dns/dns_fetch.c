// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* dns_fetch.c - the snapshot over HTTP(S): conditional GETs, Ed25519 signature, no rollback, cache.
 */
#include <errno.h>
#include <glob.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>
#include <curl/curl.h>

#include "dns_fetch.h"
#include "xp_log.h"
#include "xp_parse.h"
#include "xp_sign.h"

#define CONNECT_TIMEOUT_MS 5000
#define TOTAL_TIMEOUT_MS   30000
#define SIG_RETRIES	   2 /* a signature refusal is fetched again twice, a second apart */
#define LOW_SPEED_BYTES	   1024 /* a server slower than 1 KB/s for 10 s is given up on */
#define LOW_SPEED_SECS	   10
#define SIG_MAX		   1024

#define DNS_FETCH_LABEL(name, label) [DNS_FETCH_##name] = label,
static const char *const labels[DNS_FETCH__MAX] = {DNS_FETCH_RESULTS(DNS_FETCH_LABEL)};
#undef DNS_FETCH_LABEL

const char *dns_fetch_label(enum dns_fetch_result r)
{
	return labels[r];
}

struct headers {
	char etag[256], last_modified[128];
	char encoding[96]; /* a content or transfer coding that is refused, "" none */
};

struct body {
	char *data;
	size_t len, max;
	bool too_big;
	const struct headers *h; /* a response's, NULL for a file */
	long status;		 /* a response's HTTP status */
};

#define WHY(f, ...) snprintf((f)->why, sizeof((f)->why), __VA_ARGS__)

static size_t on_data(char *p, size_t size, size_t n, void *ctx)
{
	struct body *b = ctx;
	size_t add = size * n;
	char *grown;

	/* a compressed body is never read, let alone inflated: the signature is over the bytes
	 * as exported, and what they would inflate to has no bound */
	if (b->h && b->h->encoding[0])
		return 0;
	if (b->len + add > b->max) {
		b->too_big = true;
		return 0; /* aborts the transfer: memory is bounded before it is used */
	}
	grown = realloc(b->data, b->len + add + 1);
	if (!grown)
		return 0;
	b->data = grown;
	memcpy(b->data + b->len, p, add);
	b->len += add;
	b->data[b->len] = 0;
	return add;
}

/* The value of the header name in line (its blanks trimmed), or NULL. */
static char *header_value(char *line, const char *name)
{
	size_t n = strlen(name), end;

	if (strncasecmp(line, name, n) || line[n] != ':')
		return NULL;
	line += n + 1;
	line += strspn(line, " \t");
	for (end = strlen(line); end && (line[end - 1] == ' ' || line[end - 1] == '\t'); end--)
		;
	line[end] = 0;
	return line;
}

/* Does a coding list hold only codings that change no byte of the body (chunked, identity)? */
static bool plain_codings(const char *v, bool chunked_ok)
{
	char buf[128], *save = NULL;

	snprintf(buf, sizeof(buf), "%s", v);
	for (char *c = strtok_r(buf, ",", &save); c; c = strtok_r(NULL, ",", &save)) {
		c += strspn(c, " \t");
		c[strcspn(c, " \t;")] = 0;
		if (strcasecmp(c, "identity") && (!chunked_ok || strcasecmp(c, "chunked")))
			return false;
	}
	return true;
}

/*
 * Keeps ETag and Last-Modified, for the next conditional GET, and notes a compressed body
 * (Content-Encoding, or a Transfer-Encoding other than chunked): it is refused.
 */
static size_t on_header(char *p, size_t size, size_t n, void *ctx)
{
	struct headers *h = ctx;
	size_t len = size * n;
	char line[512], *v;

	if (len >= sizeof(line))
		return len;
	memcpy(line, p, len);
	line[len] = 0;
	line[strcspn(line, "\r\n")] = 0;
	if (!strncmp(line, "HTTP/", 5)) /* a status line: a new response's headers follow */
		h->encoding[0] = 0;
	else if ((v = header_value(line, "ETag")))
		snprintf(h->etag, sizeof(h->etag), "%.250s", v);
	else if ((v = header_value(line, "Last-Modified")))
		snprintf(h->last_modified, sizeof(h->last_modified), "%.120s", v);
	else if ((v = header_value(line, "Content-Encoding")) && !plain_codings(v, false))
		snprintf(h->encoding, sizeof(h->encoding), "Content-Encoding %.60s", v);
	else if ((v = header_value(line, "Transfer-Encoding")) && !plain_codings(v, true))
		snprintf(h->encoding, sizeof(h->encoding), "Transfer-Encoding %.60s", v);
	return len;
}

/* Ends a transfer in progress when the daemon stops: shutdown never waits for a slow server. */
static int on_progress(void *ctx, curl_off_t dt, curl_off_t dn, curl_off_t ut, curl_off_t un)
{
	(void)dt, (void)dn, (void)ut, (void)un;
	return atomic_load(&((struct dns_fetch *)ctx)->stop) ? 1 : 0;
}

/* What an HTTP status tells the operator to check. */
static const char *status_hint(long status)
{
	switch (status) {
	case 404:
	case 410:
		return "not found: does snapshot-url name the file xpoolctl export writes, under "
		       "the web server's document root?";
	case 401:
	case 403:
		return "refused: may the web server read the export's files (their mode, its "
		       "access rules), and are the user and password in snapshot-url right?";
	default:
		return status >= 500 ? "the web server's error log says why"
				     : "snapshot-url should answer a plain GET with 200";
	}
}

/*
 * One GET: the result, the body and the status; f->why says what failed and what to check.
 * what: what is fetched, for that ("the snapshot", "its signature URL.sig"). cond: send the
 * validators we hold.
 */
static enum dns_fetch_result get(struct dns_fetch *f, const char *url, const char *what, size_t max,
				 bool cond, struct body *b, struct headers *h)
{
	struct curl_slist *hdrs = NULL;
	char line[512];
	long status = 0;
	CURL *c = curl_easy_init();
	CURLcode rc;
	enum dns_fetch_result r = DNS_FETCH_NETWORK;

	memset(b, 0, sizeof(*b));
	b->max = max;
	b->h = h;
	if (!c)
		return r;
	/* the bytes as the server holds them: no compressed coding asked for or decoded */
	hdrs = curl_slist_append(hdrs, "Accept-Encoding: identity");
	if (cond && f->etag[0]) {
		snprintf(line, sizeof(line), "If-None-Match: %s", f->etag);
		hdrs = curl_slist_append(hdrs, line);
	}
	if (cond && f->last_modified[0]) {
		snprintf(line, sizeof(line), "If-Modified-Since: %s", f->last_modified);
		hdrs = curl_slist_append(hdrs, line);
	}
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L); /* threads: no SIGALRM for timeouts */
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, (long)CONNECT_TIMEOUT_MS);
	curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, (long)TOTAL_TIMEOUT_MS);
	curl_easy_setopt(c, CURLOPT_LOW_SPEED_LIMIT, (long)LOW_SPEED_BYTES);
	curl_easy_setopt(c, CURLOPT_LOW_SPEED_TIME, (long)LOW_SPEED_SECS);
	curl_easy_setopt(c, CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)max);
	curl_easy_setopt(c, CURLOPT_ACCEPT_ENCODING, NULL);	/* libcurl inflates nothing */
	curl_easy_setopt(c, CURLOPT_HTTP_CONTENT_DECODING, 0L); /* whatever the server says */
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_data);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, b);
	curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(c, CURLOPT_HEADERDATA, h);
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, hdrs);
	curl_easy_setopt(c, CURLOPT_USERAGENT, "xpool-dns");
	curl_easy_setopt(c, CURLOPT_NOPROGRESS, 0L);
	curl_easy_setopt(c, CURLOPT_XFERINFOFUNCTION, on_progress);
	curl_easy_setopt(c, CURLOPT_XFERINFODATA, f);
	rc = curl_easy_perform(c);
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
	b->status = status;
	if (h->encoding[0] && status != 304) {
		r = DNS_FETCH_ENCODING;
		WHY(f,
		    "%s came with %.96s: refused unread, the signature is over the bytes as "
		    "exported (turn compression off for it in the web server)",
		    what, h->encoding);
	} else if (rc == CURLE_OK) {
		r = status == 200   ? DNS_FETCH_OK
		    : status == 304 ? DNS_FETCH_NOT_MODIFIED
				    : DNS_FETCH_HTTP_STATUS;
		if (r == DNS_FETCH_HTTP_STATUS)
			WHY(f, "%s: HTTP %ld (%s)", what, status, status_hint(status));
	} else if (b->too_big || rc == CURLE_FILESIZE_EXCEEDED) {
		r = DNS_FETCH_TOO_BIG;
		WHY(f, "%s is over %zu bytes: refused unread%s", what, max,
		    max > SIG_MAX ? " (raise snapshot-max-mb for a pool this big)" : "");
	} else if (rc == CURLE_OPERATION_TIMEDOUT) {
		r = DNS_FETCH_TIMEOUT;
		WHY(f,
		    "%s: %s (deadlines: %d s to connect, %d s in all, %d bytes/s for %d s): is the "
		    "web server reachable from here, and not overloaded?",
		    what, curl_easy_strerror(rc), CONNECT_TIMEOUT_MS / 1000,
		    TOTAL_TIMEOUT_MS / 1000, LOW_SPEED_BYTES, LOW_SPEED_SECS);
	} else {
		WHY(f,
		    "%s: %s (is the web server up and reachable from here, and snapshot-url "
		    "right?)",
		    what, curl_easy_strerror(rc));
	}
	if (r != DNS_FETCH_OK && r != DNS_FETCH_NOT_MODIFIED) {
		char shown[512];

		xp_redact(url, shown, sizeof(shown));
		xp_debug("GET %s: %s (HTTP %ld)", shown, curl_easy_strerror(rc), status);
	}
	curl_slist_free_all(hdrs);
	curl_easy_cleanup(c);
	return r;
}

static void rfc3339(time_t t, char *out, size_t n)
{
	struct tm tm;

	if (!gmtime_r(&t, &tm) || !strftime(out, n, "%Y-%m-%dT%H:%M:%SZ", &tm))
		snprintf(out, n, "%lld", (long long)t);
}

/*
 * Verifies and parses a signed snapshot (data NUL-terminated at len); newer than the one in
 * service, or the reason, with what to check, in f->why. sig_name: where the signature came
 * from, for that.
 */
static enum dns_fetch_result verify_snapshot(struct dns_fetch *f, const char *data, size_t len,
					     const char *sig, size_t sig_len, const char *sig_name,
					     struct dns_snapshot *out)
{
	int64_t served = atomic_load(&f->served_generated);
	unsigned flags = DNS_SNAP_QUIET | (f->cfg->test_addresses ? DNS_SNAP_TEST_ADDRESSES : 0);
	char t[2][32];
	int ret;

	memset(out, 0, sizeof(*out));
	ret = sig ? xp_sign_verify(data, len, sig, sig_len, f->pk) : -EINVAL;
	if (ret == -EBADMSG) {
		WHY(f,
		    "its signature %s does not verify with snapshot-key %s (was it signed with "
		    "the pool.key of that .pub? a .sig of another export, or a snapshot changed "
		    "after signing? publish the two files of one xpoolctl export --sign, the .sig "
		    "first)",
		    sig_name, f->cfg->snapshot_key);
		return DNS_FETCH_SIGNATURE;
	}
	if (ret) {
		WHY(f,
		    "its signature %s is not an xpool signature (one line, 'xpool-ed25519 "
		    "signature' and 128 hex digits, as xpoolctl export --sign writes it)",
		    sig_name);
		return DNS_FETCH_SIGNATURE;
	}
	if (dns_snapshot_parse(data, len, "", flags, out)) {
		WHY(f, "signed, but not a snapshot xpool-dns serves: %s", dns_snapshot_why());
		return DNS_FETCH_INVALID;
	}
	if (!out->generated) {
		WHY(f, "signed, but without its generated time, which a fetched snapshot needs "
		       "(rollback protection): export it with xpoolctl export");
		dns_snapshot_free(out);
		return DNS_FETCH_INVALID;
	}
	/* no rollback: an older snapshot, even signed, may be a replay of a bad day */
	if (out->generated < served) {
		rfc3339(out->generated, t[0], sizeof(t[0]));
		rfc3339((time_t)served, t[1], sizeof(t[1]));
		WHY(f,
		    "generated %s, before the snapshot in service (generated %s): an older export "
		    "is never taken back (publish the newest one; is this the registry host that "
		    "exports now?)",
		    t[0], t[1]);
		dns_snapshot_free(out);
		return DNS_FETCH_ROLLBACK;
	}
	if (out->generated == served) {
		dns_snapshot_free(out);
		return DNS_FETCH_NOT_MODIFIED;
	}
	return DNS_FETCH_OK;
}

#define SIG_TAG	 "xpool-ed25519 signature "
#define SIG_LINE (sizeof(SIG_TAG) - 1 + 2 * XP_SIGN_BYTES) /* without its newline */

/*
 * Writes the verified pair to the cache as one file, the signature's line and then the
 * snapshot, with one rename: a crash at any step leaves the old pair or the new one.
 */
static int write_cache(struct dns_fetch *f, const struct body *snap, const char *sig)
{
	const char *path = f->cfg->snapshot_cache;
	char old_sig[sizeof(f->cfg->snapshot_cache) + 8];
	char *buf;
	int ret = -ENOMEM;

	if (!path[0])
		return 0;
	buf = malloc(SIG_LINE + 1 + snap->len);
	if (buf) {
		memcpy(buf, sig, SIG_LINE); /* verified: the tag and the digits */
		buf[SIG_LINE] = '\n';
		memcpy(buf + SIG_LINE + 1, snap->data, snap->len);
		ret = xp_write_atomic(path, buf, SIG_LINE + 1 + snap->len, 0644);
		free(buf);
	}
	if (ret) {
		WHY(f,
		    "verified, but snapshot-cache %s cannot be written: %s (the daemon's user, "
		    "xpool under its unit, must be able to write that directory)",
		    path, strerror(-ret));
		return ret;
	}
	/* the signature file of the older layout, two files renamed one after the other */
	snprintf(old_sig, sizeof(old_sig), "%s.sig", path);
	if (unlink(old_sig) && errno != ENOENT)
		xp_warn("%s: cannot remove the older cache's signature: %s", old_sig,
			strerror(errno));
	return 0;
}

/* One GET of the snapshot and one of its signature, verified: a result, and f->why. */
static enum dns_fetch_result fetch_pair(struct dns_fetch *f, struct dns_snapshot *out)
{
	size_t max = (size_t)f->cfg->snapshot_max_mb << 20;
	char sig_url[sizeof(f->cfg->snapshot_url) + 8], sig_what[sizeof(f->url_log) + 32];
	struct headers h = {0}, hs = {0};
	struct body snap, sig = {0};
	enum dns_fetch_result r;

	memset(out, 0, sizeof(*out));
	f->why[0] = 0;
	r = get(f, f->cfg->snapshot_url, "the snapshot", max, true, &snap, &h);
	if (r == DNS_FETCH_OK) {
		snprintf(sig_url, sizeof(sig_url), "%s.sig", f->cfg->snapshot_url);
		snprintf(sig_what, sizeof(sig_what), "its signature %s.sig", f->url_log);
		r = get(f, sig_url, sig_what, SIG_MAX, false, &sig, &hs);
		if (r == DNS_FETCH_HTTP_STATUS && (sig.status == 404 || sig.status == 410))
			WHY(f,
			    "no signature beside it: %s: HTTP %ld (export with xpoolctl export "
			    "FILE "
			    "--sign KEY, which writes FILE.sig, and publish both files)",
			    sig_what, sig.status);
		if (r == DNS_FETCH_TOO_BIG)
			WHY(f,
			    "%s is over %d bytes: not a signature (xpoolctl export --sign writes "
			    "one line)",
			    sig_what, SIG_MAX);
		if (r == DNS_FETCH_HTTP_STATUS || r == DNS_FETCH_TOO_BIG)
			r = DNS_FETCH_SIGNATURE; /* no signature, or not one */
		if (r == DNS_FETCH_OK)
			r = verify_snapshot(f, snap.data, snap.len, sig.data, sig.len,
					    sig_what + strlen("its signature "), out);
		if (r == DNS_FETCH_OK && write_cache(f, &snap, sig.data)) {
			dns_snapshot_free(out);
			r = DNS_FETCH_CACHE;
		}
		/* the validators of a snapshot we took, or one we will never take */
		if (r == DNS_FETCH_OK || r == DNS_FETCH_NOT_MODIFIED || r == DNS_FETCH_ROLLBACK) {
			snprintf(f->etag, sizeof(f->etag), "%s", h.etag);
			snprintf(f->last_modified, sizeof(f->last_modified), "%s", h.last_modified);
		}
	}
	free(snap.data);
	free(sig.data);
	return r;
}

/* Wait ms, or less when a stop comes: true when stopping. */
static bool pause_ms(struct dns_fetch *f, long ms)
{
	struct timespec until;

	clock_gettime(CLOCK_REALTIME, &until);
	until.tv_sec += ms / 1000;
	until.tv_nsec += (ms % 1000) * 1000000L;
	if (until.tv_nsec >= 1000000000L) {
		until.tv_sec++;
		until.tv_nsec -= 1000000000L;
	}
	pthread_mutex_lock(&f->lock);
	while (!atomic_load(&f->stop) &&
	       pthread_cond_timedwait(&f->wake, &f->lock, &until) != ETIMEDOUT)
		;
	pthread_mutex_unlock(&f->lock);
	return atomic_load(&f->stop);
}

enum dns_fetch_result dns_fetch_poll(struct dns_fetch *f, struct dns_snapshot *out)
{
	enum dns_fetch_result r = fetch_pair(f, out);

	/* a publisher replaces the snapshot and its .sig by two renames, and web servers cache a
	 * file's stat for up to a second (lighttpd): a poll then pairs one export's snapshot with
	 * the other's signature. The pair a second later is whole; only a refusal that lasts
	 * (three fetches over two seconds) is one. */
	for (int i = 0; r == DNS_FETCH_SIGNATURE && i < SIG_RETRIES && !pause_ms(f, 1000); i++)
		r = fetch_pair(f, out);
	atomic_fetch_add(&f->count[r], 1);
	/* once per change of state or reason: a dead registry host is one line, not one per poll */
	if ((r != f->last || strcmp(f->why, f->logged)) && r != DNS_FETCH_NOT_MODIFIED) {
		snprintf(f->logged, sizeof(f->logged), "%s", f->why);
		if (r == DNS_FETCH_OK)
			xp_info("%s: a new signed snapshot", f->url_log);
		else if (atomic_load(&f->served_generated))
			xp_warn("snapshot from %s refused: %s; the data in service stays (tried "
				"again every %u s)",
				f->url_log, f->why, (unsigned)f->cfg->snapshot_poll);
		else
			xp_warn("snapshot from %s refused: %s", f->url_log, f->why);
	}
	if (r != DNS_FETCH_NOT_MODIFIED)
		f->last = r;
	return r;
}

static int read_all(const char *path, size_t max, struct body *b)
{
	FILE *fp = fopen(path, "rb");
	char buf[65536];
	size_t n;

	memset(b, 0, sizeof(*b));
	b->max = max;
	if (!fp)
		return -errno;
	while ((n = fread(buf, 1, sizeof(buf), fp)) > 0)
		if (on_data(buf, 1, n, b) != n) {
			fclose(fp);
			return -EFBIG;
		}
	fclose(fp);
	return b->data ? 0 : -ENODATA;
}

/*
 * The temporary files of cache writes a crash interrupted (xp_write_atomic's FILE.tmp.PID,
 * each up to a whole snapshot) whose writer is gone: removed, so that crashes cannot fill the
 * disk.
 */
static void drop_stale_tmp(const char *path)
{
	char pattern[sizeof(((struct dns_config *)0)->snapshot_cache) + 16], *end;
	glob_t g;

	snprintf(pattern, sizeof(pattern), "%s.tmp.*", path);
	if (glob(pattern, GLOB_NOSORT | GLOB_NOESCAPE, NULL, &g))
		return;
	for (size_t i = 0; i < g.gl_pathc; i++) {
		const char *name = g.gl_pathv[i];
		long pid = strtol(name + strlen(pattern) - 1, &end, 10);

		if (*end || pid <= 0 || pid > INT_MAX || pid == getpid() ||
		    !(kill((pid_t)pid, 0) && errno == ESRCH))
			continue;
		if (!unlink(name))
			xp_info("%s: removed, left by a write a crash interrupted", name);
	}
	globfree(&g);
}

int dns_fetch_load_cache(struct dns_fetch *f, struct dns_snapshot *out)
{
	const char *path = f->cfg->snapshot_cache;
	size_t max = (size_t)f->cfg->snapshot_max_mb << 20;
	char sig_path[sizeof(f->cfg->snapshot_cache) + 8], why[sizeof(f->why)] = "";
	struct body file, sig_file = {0};
	const char *snap, *sig = NULL, *nl;
	size_t snap_len, sig_len = 0;
	enum dns_fetch_result r;
	int ret;

	memset(out, 0, sizeof(*out));
	if (!path[0])
		return -ENOENT;
	if (!f->cfg->check_only) /* the check changes nothing */
		drop_stale_tmp(path);
	ret = read_all(path, max + SIG_LINE + 1, &file);
	if (ret == -ENOENT) {
		xp_info("%s: no cache yet", path);
		free(file.data);
		return ret;
	}
	snap = file.data;
	snap_len = file.len;
	if (!ret && file.len >= SIG_LINE && !memcmp(file.data, SIG_TAG, sizeof(SIG_TAG) - 1)) {
		/* the signature's line, then the snapshot */
		nl = memchr(file.data, '\n', file.len < SIG_MAX ? file.len : SIG_MAX);
		sig = file.data;
		sig_len = nl ? (size_t)(nl - file.data) : file.len;
		snap = nl ? nl + 1 : file.data + file.len;
		snap_len = file.len - (size_t)(snap - file.data);
	} else if (!ret) {
		/* the older layout: the snapshot, and its signature in FILE.sig */
		snprintf(sig_path, sizeof(sig_path), "%s.sig", path);
		ret = read_all(sig_path, SIG_MAX, &sig_file);
		if (ret) /* not a cache xpool-dns wrote: it exists, so never -ENOENT */
			snprintf(why, sizeof(why),
				 "no signature: its first line is none, and %s: %s (remove it: the "
				 "next verified fetch writes the cache)",
				 sig_path, strerror(-ret));
		ret = ret ? -EBADMSG : 0;
		sig = sig_file.data;
		sig_len = sig_file.len;
	} else {
		snprintf(why, sizeof(why), "%s", strerror(-ret));
	}
	if (!ret && snap_len > max) {
		ret = -EFBIG;
		snprintf(why, sizeof(why), "over snapshot-max-mb");
	}
	if (!ret) {
		r = verify_snapshot(f, snap, snap_len, sig, sig_len,
				    sig_file.data ? sig_path
						  : "(the cache's "
						    "first line)",
				    out);
		if (r != DNS_FETCH_OK) {
			ret = -EBADMSG;
			snprintf(why, sizeof(why), "%s", f->why);
		}
	}
	if (ret)
		xp_warn("%s: the cache is not used (%s): the snapshot comes from the URL", path,
			why);
	free(file.data);
	free(sig_file.data);
	return ret;
}

int dns_fetch_init(struct dns_fetch *f, const struct dns_config *cfg)
{
	char err[256];
	int ret;

	memset(f, 0, sizeof(*f));
	f->cfg = cfg;
	xp_redact(cfg->snapshot_url, f->url_log, sizeof(f->url_log));
	f->event_fd = -1;
	f->last = DNS_FETCH_NOT_MODIFIED;
	ret = xp_sign_load_public(cfg->snapshot_key, f->pk, err, sizeof(err));
	if (ret) {
		xp_err("snapshot-key %s", err);
		return ret;
	}
	if (curl_global_init(CURL_GLOBAL_DEFAULT)) {
		xp_err("libcurl cannot start");
		return -EIO;
	}
	f->event_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	pthread_mutex_init(&f->lock, NULL);
	pthread_cond_init(&f->wake, NULL);
	return f->event_fd < 0 ? -errno : 0;
}

static void *poller(void *arg)
{
	struct dns_fetch *f = arg;

	for (;;) {
		struct dns_snapshot snap;

		if (pause_ms(f, (long)f->cfg->snapshot_poll * 1000))
			break;
		if (dns_fetch_poll(f, &snap) != DNS_FETCH_OK)
			continue;
		pthread_mutex_lock(&f->lock);
		dns_snapshot_free(&f->pending); /* a newer one replaces one not yet taken */
		f->pending = snap;
		pthread_mutex_unlock(&f->lock);
		if (write(f->event_fd, &(uint64_t){1}, 8) != 8)
			xp_warn("snapshot fetch: cannot wake the main loop: %s", strerror(errno));
	}
	return NULL;
}

int dns_fetch_start(struct dns_fetch *f)
{
	int ret = pthread_create(&f->thread, NULL, poller, f);

	f->running = !ret;
	return -ret;
}

void dns_fetch_stop(struct dns_fetch *f)
{
	if (!f->running)
		return;
	pthread_mutex_lock(&f->lock);
	atomic_store(&f->stop, true);
	pthread_cond_signal(&f->wake);
	pthread_mutex_unlock(&f->lock);
	/* a transfer in progress is aborted by on_progress at its next tick (about a second) */
	pthread_join(f->thread, NULL);
	f->running = false;
}

int dns_fetch_take(struct dns_fetch *f, struct dns_snapshot *out)
{
	uint64_t n;
	int ret = -EAGAIN;

	if (read(f->event_fd, &n, sizeof(n)) < 0 && errno != EAGAIN)
		return -errno;
	pthread_mutex_lock(&f->lock);
	if (f->pending.e) {
		*out = f->pending;
		memset(&f->pending, 0, sizeof(f->pending));
		ret = 0;
	}
	pthread_mutex_unlock(&f->lock);
	return ret;
}

void dns_fetch_free(struct dns_fetch *f)
{
	dns_fetch_stop(f);
	dns_snapshot_free(&f->pending);
	if (f->event_fd >= 0)
		close(f->event_fd);
	f->event_fd = -1;
}
