// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* xp_parse.c - range-checked parsers for flags and config values. */
#include <arpa/inet.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <netinet/in.h>

#include "xp_addr.h"
#include "xp_parse.h"

int xp_parse_long(const char *s, long min, long max, long *out)
{
	char *end;
	long v;

	if (!s || !*s)
		return -EINVAL;
	errno = 0;
	v = strtol(s, &end, 10);
	if (*end)
		return -EINVAL;
	if (errno == ERANGE || v < min || v > max)
		return -ERANGE;
	*out = v;
	return 0;
}

int xp_parse_refid(const char *s, uint32_t *refid_be)
{
	struct in_addr a;
	uint8_t b[4] = { 0 };
	size_t n = s ? strlen(s) : 0;

	if (n && strchr(s, '.') && inet_pton(AF_INET, s, &a) == 1) {
		*refid_be = a.s_addr;
		return 0;
	}
	if (n < 1 || n > 4)
		return -EINVAL;
	for (size_t i = 0; i < n; i++) {
		if (s[i] < 0x21 || s[i] > 0x7e)
			return -EINVAL;
		b[i] = (uint8_t)s[i];
	}
	memcpy(refid_be, b, 4);
	return 0;
}

int xp_parse_prefix(const char *s, uint8_t addr[16], uint32_t *plen, bool want_prefix)
{
	char buf[64], *slash;
	uint8_t v4[4];
	long len = -1;

	if (!strcmp(s, "all") && want_prefix) {
		memset(addr, 0, 16);
		*plen = 0; /* ::/0 covers the mapped IPv4 space too */
		return 0;
	}
	if (strlen(s) >= sizeof(buf))
		return -EINVAL;
	strcpy(buf, s);
	slash = strchr(buf, '/');
	if (slash) {
		if (!want_prefix)
			return -EINVAL;
		*slash++ = 0;
	}
	memset(addr, 0, 16);
	if (inet_pton(AF_INET6, buf, addr) == 1) {
		if (slash && xp_parse_long(slash, 0, 128, &len))
			return -EINVAL;
		*plen = len < 0 ? 128 : len;
	} else if (inet_pton(AF_INET, buf, v4) == 1) {
		if (slash && xp_parse_long(slash, 0, 32, &len))
			return -EINVAL;
		xp_addr_key(4, v4, addr);
		*plen = 96 + (len < 0 ? 32 : len);
	} else {
		return -EINVAL;
	}
	/* clear host bits so that the trie stores what the operator meant */
	for (uint32_t bit = *plen; bit < 128; bit++)
		addr[bit / 8] &= ~(0x80 >> (bit % 8));
	return 0;
}

bool xp_prefix_match(const uint8_t addr[16], const uint8_t prefix[16], uint32_t plen)
{
	uint32_t full = plen / 8, rest = plen % 8;

	if (memcmp(addr, prefix, full))
		return false;
	return !rest || !((addr[full] ^ prefix[full]) & (0xff00 >> rest));
}

int xp_parse_hostport(const char *s, uint16_t default_port, struct sockaddr_storage *sa,
		      socklen_t *len)
{
	char host[INET6_ADDRSTRLEN + 2];
	const char *port = NULL, *colon;
	size_t hl;
	long p = default_port;

	if (!s || !*s)
		return -EINVAL;
	if (s[0] == '[') { /* [v6] or [v6]:port */
		const char *end = strchr(s, ']');

		if (!end || (end[1] && end[1] != ':'))
			return -EINVAL;
		hl = end - s - 1;
		if (hl >= sizeof(host))
			return -EINVAL;
		memcpy(host, s + 1, hl);
		host[hl] = 0;
		if (end[1] == ':')
			port = end + 2;
	} else if ((colon = strchr(s, ':')) && colon == strrchr(s, ':')) { /* v4:port */
		hl = colon - s;
		if (hl >= sizeof(host))
			return -EINVAL;
		memcpy(host, s, hl);
		host[hl] = 0;
		port = colon + 1;
	} else { /* a bare address, IPv4 or IPv6 */
		if (strlen(s) >= sizeof(host))
			return -EINVAL;
		strcpy(host, s);
	}
	if (port && xp_parse_long(port, 1, 65535, &p))
		return -EINVAL;
	if (!p)
		return -EINVAL; /* a port is required here */
	memset(sa, 0, sizeof(*sa));
	if (strchr(host, ':')) {
		struct sockaddr_in6 *a6 = (struct sockaddr_in6 *)sa;

		if (inet_pton(AF_INET6, host, &a6->sin6_addr) != 1)
			return -EINVAL;
		a6->sin6_family = AF_INET6;
		a6->sin6_port = htons(p);
		*len = sizeof(*a6);
	} else {
		struct sockaddr_in *a4 = (struct sockaddr_in *)sa;

		if (inet_pton(AF_INET, host, &a4->sin_addr) != 1)
			return -EINVAL;
		a4->sin_family = AF_INET;
		a4->sin_port = htons(p);
		*len = sizeof(*a4);
	}
	return 0;
}

/* Appends len bytes of s to out[*o] within n, always leaving a NUL. */
static void put(char *out, size_t n, size_t *o, const char *s, size_t len)
{
	while (len-- && *o + 1 < n)
		out[(*o)++] = *s++;
	out[*o] = 0;
}

/* Is the parameter name [k, e) one of a password (password, sslpassword), %-escapes decoded? */
static bool password_name(const char *k, const char *e)
{
	static const char key[] = "password";
	char name[40];
	size_t n = 0;

	while (k < e && n < sizeof(name) - 1) {
		unsigned int c = (unsigned char)*k;

		if (c == '%' && e - k >= 3 && sscanf(k + 1, "%2x", &c) == 1) {
			k += 3;
		} else {
			k++;
		}
		name[n++] = (char)c;
	}
	name[n] = 0;
	return n >= sizeof(key) - 1 && !strcasecmp(name + n - (sizeof(key) - 1), key);
}

void xp_redact(const char *in, char *out, size_t n)
{
	const char *auth = strstr(in, "://"), *at = NULL, *colon = NULL, *s = in;
	size_t o = 0;

	if (!n)
		return;
	out[0] = 0;
	if (auth) {
		auth += 3;
		/* libpq ends the user information at the first '@' before a '/', a URL at a '/',
		 * '?' or '#': everything up to the last '@' before a '/' covers both */
		for (const char *p = auth; *p && *p != '/'; p++)
			if (*p == '@')
				at = p;
		colon = at ? memchr(auth, ':', (size_t)(at - auth)) : NULL;
	}
	while (*s) {
		const char *e, *q;

		if (colon && s == colon + 1) {
			put(out, n, &o, "***", 3);
			s = at;
			colon = NULL; /* once: an empty password has its '@' right here */
			continue;
		}
		/* a parameter, NAME [blanks] = [blanks] VALUE: a query's or a keyword string's */
		if (s == in || strchr("?& \t", s[-1])) {
			e = s + strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
					  "0123456789_%");
			for (q = e; *q == ' ' || *q == '\t'; q++)
				;
			if (*q == '=' && e > s && password_name(s, e)) {
				put(out, n, &o, s, (size_t)(q + 1 - s));
				put(out, n, &o, "***", 3);
				for (s = q + 1; *s == ' ' || *s == '\t'; s++)
					;
				if (*s == '\'') { /* a quoted keyword value: to the closing quote */
					for (s++; *s && *s != '\''; s++)
						if (*s == '\\' && s[1])
							s++;
					if (*s)
						s++;
				} else {
					s += strcspn(s, "& \t");
				}
				continue;
			}
		}
		put(out, n, &o, s, 1);
		s++;
	}
}

void xp_utf8_clean(const char *s, char *out, size_t n)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t o = 0;

	while (*p && o + 5 < n) {
		size_t len = 0;
		uint32_t cp = 0, min = 0;

		if (*p < 0x80)
			len = 1, cp = *p;
		else if ((*p & 0xe0) == 0xc0)
			len = 2, cp = *p & 0x1f, min = 0x80;
		else if ((*p & 0xf0) == 0xe0)
			len = 3, cp = *p & 0x0f, min = 0x800;
		else if ((*p & 0xf8) == 0xf0)
			len = 4, cp = *p & 0x07, min = 0x10000;
		for (size_t i = 1; i < len; i++) {
			if ((p[i] & 0xc0) != 0x80) {
				len = 0;
				break;
			}
			cp = cp << 6 | (p[i] & 0x3f);
		}
		if (!len || cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff) ||
		    cp < 0x20 || cp == 0x7f) {
			out[o++] = '?';
			p++;
			continue;
		}
		memcpy(out + o, p, len);
		o += len;
		p += len;
	}
	out[o] = 0;
}
