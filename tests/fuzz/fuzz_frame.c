// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* fuzz_frame.c - libFuzzer target: any bytes as a frame on the AF_XDP path, and its reply. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "dns_frame.h"

#define GUARD 64

int LLVMFuzzerTestOneInput(const uint8_t *in, size_t size)
{
	static const uint8_t msg[300] = {0x12, 0x34, 0x81, 0x80};
	struct dns_frame fr;
	uint8_t *f;
	size_t cap, n;

	if (dns_frame_parse(in, size, &fr))
		return 0;
	if (fr.msg + fr.msg_len > size || fr.msg > size || fr.msg < 8)
		abort(); /* a parsed message lies inside the frame */
	if (!(in[fr.msg - 8] | in[fr.msg - 7]) || (in[6] & 1))
		abort(); /* never a reply to port 0 or to a group MAC */
	/* the reply into a buffer of exactly cap bytes and a guard: never a byte past cap */
	for (cap = size / 2; cap <= size + sizeof(msg); cap += size / 2 + 1) {
		f = malloc(cap + GUARD);
		if (!f)
			return 0;
		memcpy(f, in, size < cap ? size : cap);
		memset(f + cap, 0xa5, GUARD);
		if (size <= cap) {
			n = dns_frame_reply(f, cap, &fr, msg, size % sizeof(msg));
			if (n > cap)
				abort();
			for (int i = 0; i < GUARD; i++)
				if (f[cap + i] != 0xa5)
					abort();
		}
		free(f);
	}
	return 0;
}
