// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* api_hook.c - volunteers' webhooks: URLs checked, calls made at once, never to inside addresses.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <ifaddrs.h>
#include <sys/socket.h>
#include <curl/curl.h>
#include <sodium.h>

#include "api_hook.h"
#include "xp_addr.h"
#include "xp_time.h"

#define POLL_MS 100 /* how often a stop is looked for while calls are in flight */

/* The host's own addresses: a webhook never calls back into the API's host. */
struct local {
	uint8_t addr[64][16];
	bool v6[64];
	int n;
};

struct call {
	struct api_hook *h;
	struct curl_slist *head;
	const struct local *local;
	bool allow_local, refused;
	char refused_addr[64];
};

void api_hook_sign(const char *secret, const char *body, size_t len, char out[72])
{
	unsigned char mac[crypto_auth_hmacsha256_BYTES];
	crypto_auth_hmacsha256_state st;

	crypto_auth_hmacsha256_init(&st, (const unsigned char *)secret, strlen(secret));
	crypto_auth_hmacsha256_update(&st, (const unsigned char *)body, len);
	crypto_auth_hmacsha256_final(&st, mac);
	memcpy(out, "sha256=", 7);
	sodium_bin2hex(out + 7, 65, mac, sizeof(mac));
}

/* Is this address one a webhook may reach: global unicast, and not this host's own? */
static bool reachable(bool v6, const uint8_t *raw, bool allow_local, const struct local *l)
{
	if (allow_local)
		return true;
	for (int i = 0; l && i < l->n; i++)
		if (l->v6[i] == v6 && !memcmp(l->addr[i], raw, v6 ? 16 : 4))
			return false;
	return xp_addr_classify(v6, raw, NULL) == XP_ADDR_GLOBAL;
}

/* This host's addresses, now (at most 64; an error leaves the list empty). */
static void local_addrs(struct local *l)
{
	struct ifaddrs *ifa = NULL;

	l->n = 0;
	if (getifaddrs(&ifa))
		return;
	for (struct ifaddrs *i = ifa; i && l->n < 64; i = i->ifa_next) {
		if (!i->ifa_addr)
			continue;
		if (i->ifa_addr->sa_family == AF_INET) {
			memcpy(l->addr[l->n], &((struct sockaddr_in *)i->ifa_addr)->sin_addr, 4);
			l->v6[l->n++] = false;
		} else if (i->ifa_addr->sa_family == AF_INET6) {
			memcpy(l->addr[l->n], &((struct sockaddr_in6 *)i->ifa_addr)->sin6_addr, 16);
			l->v6[l->n++] = true;
		}
	}
	freeifaddrs(ifa);
}

int api_hook_origin(const char *url, char *out, size_t n)
{
	char *scheme = NULL, *host = NULL, *port = NULL;
	int ret = -EINVAL;
	CURLU *u = curl_url();

	snprintf(out, n, "(not a URL)");
	if (u && !curl_url_set(u, CURLUPART_URL, url, 0) &&
	    !curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) &&
	    !curl_url_get(u, CURLUPART_HOST, &host, 0)) {
		curl_url_get(u, CURLUPART_PORT, &port, 0);
		snprintf(out, n, "%s://%s%s%s", scheme, host, port ? ":" : "", port ? port : "");
		ret = 0;
	}
	curl_free(scheme);
	curl_free(host);
	curl_free(port);
	curl_url_cleanup(u);
	return ret;
}

int api_hook_url_check(const char *url, bool allow_local, char *why, size_t n)
{
	char *scheme = NULL, *host = NULL, *user = NULL;
	uint8_t raw[16];
	size_t len;
	bool v6;
	int ret = -EINVAL;
	CURLU *u = curl_url();

	if (!u) {
		snprintf(why, n, "out of memory");
		return -ENOMEM;
	}
	/* libcurl's own parser: the host it reads is the host it would connect to (numbers such
	 * as 2130706433 or 0x7f.1 come out as the dotted address they mean) */
	if (curl_url_set(u, CURLUPART_URL, url, 0) ||
	    curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) ||
	    (strcmp(scheme, "http") && strcmp(scheme, "https")) ||
	    curl_url_get(u, CURLUPART_HOST, &host, 0)) {
		snprintf(why, n, "an http:// or https:// URL with a host");
		goto out;
	}
	if (!curl_url_get(u, CURLUPART_USER, &user, 0)) {
		snprintf(why, n,
			 "no user name or password in the URL (the signature authenticates)");
		goto out;
	}
	len = strlen(host);
	if (len > 2 && host[0] == '[' && host[len - 1] == ']') {
		host[len - 1] = 0;
		memmove(host, host + 1, len - 1);
	}
	if (!xp_addr_parse(host, raw, &v6)) {
		if (!reachable(v6, raw, allow_local, NULL)) {
			snprintf(why, n, "%s is not a global unicast address", host);
			goto out;
		}
	} else {
		len = strlen(host);
		while (len && host[len - 1] == '.')
			host[--len] = 0;
		if (!strcasecmp(host, "localhost") ||
		    (len > 10 && !strcasecmp(host + len - 10, ".localhost"))) {
			snprintf(why, n, "%s names this host", host);
			goto out;
		}
	}
	ret = 0;
out:
	curl_free(scheme);
	curl_free(host);
	curl_free(user);
	curl_url_cleanup(u);
	return ret;
}

/* Every connection a call makes: to a global unicast address, or not at all. */
static curl_socket_t open_socket(void *ctx, curlsocktype purpose, struct curl_sockaddr *sa)
{
	struct call *c = ctx;
	uint8_t raw[16] = {0};
	bool v6 = sa->family == AF_INET6;

	(void)purpose;
	if (sa->family == AF_INET)
		memcpy(raw, &((struct sockaddr_in *)&sa->addr)->sin_addr, 4);
	else if (v6)
		memcpy(raw, &((struct sockaddr_in6 *)&sa->addr)->sin6_addr, 16);
	if ((sa->family != AF_INET && !v6) || !reachable(v6, raw, c->allow_local, c->local)) {
		c->refused = true;
		xp_addr_text(v6, raw, c->refused_addr, sizeof(c->refused_addr));
		return CURL_SOCKET_BAD;
	}
	return socket(sa->family, sa->socktype | SOCK_CLOEXEC, sa->protocol);
}

static size_t discard(char *p, size_t size, size_t n, void *ctx)
{
	(void)p;
	(void)ctx;
	return size * n;
}

static CURL *prepare(struct call *c, long timeout_ms)
{
	char sig[72], head[96];
	CURL *e = curl_easy_init();

	if (!e)
		return NULL;
	api_hook_sign(c->h->secret, c->h->body, strlen(c->h->body), sig);
	snprintf(head, sizeof(head), "X-Xpool-Signature: %s", sig);
	c->head = curl_slist_append(c->head, "Content-Type: application/json");
	c->head = curl_slist_append(c->head, head);
	c->head = curl_slist_append(c->head, "User-Agent: xpool-api");
	curl_easy_setopt(e, CURLOPT_URL, c->h->url);
	curl_easy_setopt(e, CURLOPT_HTTPHEADER, c->head);
	curl_easy_setopt(e, CURLOPT_POSTFIELDS, c->h->body);
	curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(e, CURLOPT_FOLLOWLOCATION, 0L);
	/* no proxy from the environment: the address connected to is the one checked */
	curl_easy_setopt(e, CURLOPT_PROXY, "");
	curl_easy_setopt(e, CURLOPT_OPENSOCKETFUNCTION, open_socket);
	curl_easy_setopt(e, CURLOPT_OPENSOCKETDATA, c);
	curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
	/* a name on a resolver that never answers: the deadline and a stop do not wait for the
	 * resolver's thread */
	curl_easy_setopt(e, CURLOPT_QUICK_EXIT, 1L);
	curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS, timeout_ms);
	curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, timeout_ms);
	curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, discard);
	curl_easy_setopt(e, CURLOPT_PRIVATE, c);
	return e;
}

static void finish(struct call *c, CURL *e, CURLcode rc)
{
	long code = 0;

	if (rc == CURLE_OK)
		curl_easy_getinfo(e, CURLINFO_RESPONSE_CODE, &code);
	/* refused only when no address was reached (another of the name's may have been) */
	if (c->refused && rc != CURLE_OK) {
		c->h->result = -EACCES;
		snprintf(c->h->why, sizeof(c->h->why),
			 "refused: the URL's host is %s, not a global unicast address of "
			 "another host",
			 c->refused_addr);
	} else if (rc != CURLE_OK) {
		c->h->result = -EIO;
		snprintf(c->h->why, sizeof(c->h->why), "%s", curl_easy_strerror(rc));
	} else if (code < 200 || code > 299) {
		c->h->result = -EIO;
		snprintf(c->h->why, sizeof(c->h->why), "the receiver answered %ld, not 2xx", code);
	} else {
		c->h->result = 0;
	}
}

void api_hook_deliver(struct api_hook *h, size_t n, long timeout_ms, bool allow_local,
		      atomic_bool *stop, api_hook_done_fn done, void *ctx)
{
	struct call *calls = calloc(n ? n : 1, sizeof(*calls));
	struct local *local = calloc(1, sizeof(*local));
	CURL **easy = calloc(n ? n : 1, sizeof(*easy));
	CURLM *m = curl_multi_init();
	int running = 0;

	for (size_t i = 0; i < n; i++) {
		h[i].result = -ECANCELED;
		snprintf(h[i].why, sizeof(h[i].why), "not sent (stopping, or out of memory)");
	}
	if (!calls || !easy || !m || !local)
		goto out;
	local_addrs(local);
	for (size_t i = 0; i < n; i++) {
		calls[i] = (struct call){.h = &h[i], .allow_local = allow_local, .local = local};
		easy[i] = prepare(&calls[i], timeout_ms);
		if (easy[i] && curl_multi_add_handle(m, easy[i]) != CURLM_OK) {
			curl_easy_cleanup(easy[i]);
			easy[i] = NULL;
		}
	}
	/* every call runs at once: a receiver that stalls delays nobody else's */
	do {
		CURLMsg *msg;
		int left;

		if (curl_multi_perform(m, &running) != CURLM_OK)
			break;
		while ((msg = curl_multi_info_read(m, &left)))
			if (msg->msg == CURLMSG_DONE) {
				struct call *c = NULL;

				curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, (char **)&c);
				if (!c)
					continue;
				finish(c, msg->easy_handle, msg->data.result);
				if (done)
					done(c->h, ctx);
			}
		if (running && !atomic_load(stop))
			curl_multi_poll(m, NULL, 0, POLL_MS, NULL);
	} while (running && !atomic_load(stop));
out:
	for (size_t i = 0; easy && i < n; i++) {
		if (easy[i]) {
			curl_multi_remove_handle(m, easy[i]);
			curl_easy_cleanup(easy[i]);
		}
		if (calls)
			curl_slist_free_all(calls[i].head);
	}
	if (m)
		curl_multi_cleanup(m);
	free(easy);
	free(calls);
	free(local);
}
