/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* api_hook.h - volunteers' webhooks: URLs checked, calls made at once, never to inside addresses.
 */
#ifndef API_HOOK_H
#define API_HOOK_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>

/*
 * A webhook URL a volunteer may give: http:// or https://, a host that is a name or a global
 * unicast address (loopback, private, link-local, documentation ... are refused unless
 * allow_local, a test-only setting). A name is checked again on the address it resolves to
 * when it is called. 0, or -EINVAL with the reason in why.
 */
int api_hook_url_check(const char *url, bool allow_local, char *why, size_t n);

/* scheme://host[:port] of a URL, for logs (a path or user information may hold a secret). */
int api_hook_origin(const char *url, char *out, size_t n);

struct api_hook {
	const char *url, *secret, *body; /* the caller's */
	int result;			 /* out: 0 (a 2xx), -EACCES (a refused address), -EIO,
					  * -ECANCELED (stopping) */
	char why[160];			 /* out: what went wrong */
};

/* Called as each call ends (not for those a stop cancelled), with its result set. */
typedef void (*api_hook_done_fn)(struct api_hook *h, void *ctx);

/*
 * POSTs every body, signed (X-Xpool-Signature), to its URL, all at once: each ends within
 * timeout_ms; a connection to an address that is not global unicast, or is this host's own, is
 * never made (unless allow_local); *stop ends them all at once. done (may be NULL) hears of each as
 * it ends.
 */
void api_hook_deliver(struct api_hook *h, size_t n, long timeout_ms, bool allow_local,
		      atomic_bool *stop, api_hook_done_fn done, void *ctx);

/* The webhook's signature header value: "sha256=" and HMAC-SHA256(secret, body) in hex. */
void api_hook_sign(const char *secret, const char *body, size_t len, char out[72]);

#endif
