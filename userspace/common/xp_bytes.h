/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* xp_bytes.h - big-endian reads and writes at any alignment: the wire codes' one byte layer. */
#ifndef XP_BYTES_H
#define XP_BYTES_H

#include <stdint.h>

static inline uint16_t xp_get16(const void *v)
{
	const uint8_t *p = v;

	return (uint16_t)(p[0] << 8 | p[1]);
}

static inline uint32_t xp_get32(const void *v)
{
	const uint8_t *p = v;

	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static inline uint64_t xp_get64(const void *v)
{
	const uint8_t *p = v;

	return (uint64_t)xp_get32(p) << 32 | xp_get32(p + 4);
}

static inline void xp_put16(void *v, uint16_t x)
{
	uint8_t *p = v;

	p[0] = x >> 8;
	p[1] = x;
}

static inline void xp_put32(void *v, uint32_t x)
{
	uint8_t *p = v;

	xp_put16(p, x >> 16);
	xp_put16(p + 2, x);
}

static inline void xp_put64(void *v, uint64_t x)
{
	uint8_t *p = v;

	xp_put32(p, x >> 32);
	xp_put32(p + 4, x);
}

#endif
