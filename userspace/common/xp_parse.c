// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* xp_parse.c - range-checked parsers for flags and config values. */
#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

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
