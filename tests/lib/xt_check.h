/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* xt_check.h - runs one frame through the program and checks verdict, counters and every byte. */
#ifndef XT_CHECK_H
#define XT_CHECK_H

#include "xt_bpf.h"
#include "xt_pkt.h"

uint64_t xt_get64(const uint8_t *p);
uint32_t xt_get32(const uint8_t *p);
/* NTP units for ns of age, by floating point: independent of the program's fixed point. */
uint64_t xt_ntp_units(uint64_t ns);

/*
 * Runs one frame and checks the verdict, that exactly its counter moved, and the frame:
 * untouched unless XDP_TX; for XDP_TX every byte against an independently built reply
 * (a kiss-o'-death for the KOD counters).
 */
void xt_check_frame(struct xt_bpf *b, const uint8_t *req, size_t len, uint32_t want_act,
		    enum xpool_stat want_st, const char *name);
void xt_check_spec(struct xt_bpf *b, const struct xt_spec *sp, uint32_t act, enum xpool_stat st,
		   const char *name);

#endif
