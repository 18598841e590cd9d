/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* xp_vec.h - arrays that grow by doubling: rows gathered from a callback before they are used. */
#ifndef XP_VEC_H
#define XP_VEC_H

#include <stdint.h>
#include <stdlib.h>

/*
 * v (holding n items of size bytes, room for *cap) with room for one more: v itself, or a
 * larger copy (first items the first time, then twice the room), or NULL when out of memory
 * (v is left as it was).
 */
static inline void *xp_vec_room(void *v, size_t n, size_t *cap, size_t size, size_t first)
{
	size_t want;

	if (n < *cap)
		return v;
	want = *cap ? 2 * *cap : first;
	if (want > SIZE_MAX / size)
		return NULL;
	v = realloc(v, want * size);
	if (v)
		*cap = want;
	return v;
}

#endif
