// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* xt_check.c - runs one frame through the program and checks verdict, counters and every byte. */
#include <string.h>
#include <criterion/criterion.h>
#include <linux/bpf.h>

#include "xt_check.h"

uint64_t xt_get64(const uint8_t *p)
{
	uint64_t v = 0;

	for (int i = 0; i < 8; i++)
		v = v << 8 | p[i];
	return v;
}

uint32_t xt_get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | p[1] << 16 | p[2] << 8 | p[3];
}

/* NTP units for ns of age, by floating point: independent of the program's fixed point. */
uint64_t xt_ntp_units(uint64_t ns)
{
	return (uint64_t)((long double)ns * 4294967296.0L / 1e9L);
}

/*
 * Runs one frame and checks the verdict, that exactly its counter moved, and the frame:
 * untouched unless XDP_TX; for XDP_TX every byte against an independently built reply.
 */
void xt_check_frame(struct xt_bpf *b, const uint8_t *req, size_t len, uint32_t want_act,
			enum xpool_stat want_st, const char *name)
{
	uint64_t before[XPOOL_STAT__MAX], after[XPOOL_STAT__MAX], t0, t1, lo, hi, rx, tx;
	uint8_t out[XT_MAX_FRAME + 64], exp[XT_MAX_FRAME + 64];
	const struct xpool_clock_slot *s = &b->slot;
	size_t out_len = sizeof(out);
	struct xt_layers ly;
	uint32_t act, disp;
	int ret;

	cr_assert_eq(rsp_xdp_read_stats(&b->x, before), 0);
	t0 = xt_mono_ns();
	ret = xt_bpf_run(b, req, len, out, &out_len, &act);
	t1 = xt_mono_ns();
	cr_assert_eq(ret, 0, "%s: test_run: %s", name, strerror(-ret));
	cr_assert_eq(rsp_xdp_read_stats(&b->x, after), 0);
	cr_expect_eq(act, want_act, "%s: verdict %u, expected %u", name, act, want_act);
	for (int k = 0; k < XPOOL_STAT__MAX; k++)
		cr_expect_eq(after[k] - before[k], k == (int)want_st ? 1u : 0u,
			     "%s: counter %d moved by %lu (expected counter %d)", name, k,
			     (unsigned long)(after[k] - before[k]), want_st);
	cr_expect_eq(out_len, len, "%s: length %zu, expected %zu", name, out_len, len);
	if (act != XDP_TX || want_act != XDP_TX) {
		cr_expect(!memcmp(out, req, len), "%s: frame changed without XDP_TX", name);
		return;
	}
	cr_assert_eq(xt_layers(out, len, &ly), 0, "%s: reply does not parse", name);
	if (want_st == XPOOL_STAT_KOD_RATE || want_st == XPOOL_STAT_KOD_DENY) {
		xt_expected_reply(req, len,
				  &(struct xt_reply_params){
					  .slot = s, .min_poll = b->cfg.min_poll,
					  .kod_code = want_st == XPOOL_STAT_KOD_RATE ? 0x52415445
										       : 0x44454e59 },
				  exp);
	} else {
		rx = xt_get64(out + ly.ntp + 32);
		tx = xt_get64(out + ly.ntp + 40);
		cr_expect_eq(rx, tx, "%s: receive and transmit timestamps differ", name);
		lo = s->ntp_time + xt_ntp_units(t0 - s->mono_ns) - 2;
		hi = s->ntp_time + xt_ntp_units(t1 - s->mono_ns) + 2;
		cr_expect(rx - lo <= hi - lo, "%s: timestamp %#lx outside [%#lx, %#lx]", name,
			  (unsigned long)rx, (unsigned long)lo, (unsigned long)hi);
		disp = xt_get32(out + ly.ntp + 8);
		cr_expect(disp >= s->root_disp + (((t0 - s->mono_ns) * s->disp_rate) >> 40) &&
				  disp <= s->root_disp + (((t1 - s->mono_ns) * s->disp_rate) >> 40),
			  "%s: root dispersion %#x out of range", name, disp);
		xt_expected_reply(req, len,
				  &(struct xt_reply_params){ .slot = s, .min_poll = b->cfg.min_poll,
							     .ts = rx, .root_disp = disp },
				  exp);
	}
	for (size_t i = 0; i < len; i++) {
		if (out[i] != exp[i]) {
			cr_expect_fail("%s: reply byte %zu is %#x, expected %#x", name, i, out[i],
				       exp[i]);
			break;
		}
	}
	cr_expect(xt_csums_valid(out, len), "%s: reply checksums invalid", name);
}

void xt_check_spec(struct xt_bpf *b, const struct xt_spec *sp, uint32_t act,
		       enum xpool_stat st, const char *name)
{
	uint8_t f[XT_MAX_FRAME];
	size_t len = xt_build(sp, f);

	xt_check_frame(b, f, len, act, st, name);
}

