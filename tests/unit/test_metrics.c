// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* test_metrics.c - the one Prometheus text writer: escaping, HELP and TYPE once per family. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <criterion/criterion.h>

#include "xp_metrics.h"

/* What a writer wrote, as one string (the caller frees it). */
struct out {
	FILE *f;
	char *buf;
	size_t len;
	struct xp_metrics m;
};

static void out_open(struct out *o)
{
	o->buf = NULL;
	o->f = open_memstream(&o->buf, &o->len);
	cr_assert_not_null(o->f);
	xp_metrics_init(&o->m, o->f);
}

static char *out_close(struct out *o)
{
	fclose(o->f);
	return o->buf;
}

Test(xp_metrics, label_values_and_help_are_escaped)
{
	struct xp_label l[2] = {{"path", "C:\\dir \"x\"\nnext"}, {"k", "plain"}};
	struct out o;
	char *s;

	out_open(&o);
	xp_metrics_family(&o.m, "xpool_test_total", "counter", "A \"quoted\" back\\slash\nline.");
	xp_metrics_samplef(&o.m, NULL, l, 2, "%d", 7);
	s = out_close(&o);
	cr_expect_str_eq(s,
			 "# HELP xpool_test_total A \"quoted\" back\\\\slash\\nline.\n"
			 "# TYPE xpool_test_total counter\n"
			 "xpool_test_total{path=\"C:\\\\dir \\\"x\\\"\\nnext\",k=\"plain\"} 7\n");
	free(s);
}

/* Declared again (a second interface's rows, say): its samples follow, no second HELP. */
Test(xp_metrics, help_and_type_once_per_family)
{
	struct out o;
	char *s;

	out_open(&o);
	xp_metrics_family(&o.m, "xpool_a_total", "counter", "A.");
	xp_metrics_u64_l(&o.m, "i", "1", 1);
	xp_metrics_family(&o.m, "xpool_b", "gauge", "B.");
	xp_metrics_u64(&o.m, 18446744073709551615ULL);
	xp_metrics_family(&o.m, "xpool_a_total", "counter", "A.");
	xp_metrics_u64_l(&o.m, "i", "2", 2);
	s = out_close(&o);
	cr_expect_str_eq(s, "# HELP xpool_a_total A.\n# TYPE xpool_a_total counter\n"
			    "xpool_a_total{i=\"1\"} 1\n"
			    "# HELP xpool_b B.\n# TYPE xpool_b gauge\n"
			    "xpool_b 18446744073709551615\n"
			    "xpool_a_total{i=\"2\"} 2\n");
	free(s);
}

/* A family with no samples (no zone answered yet) is its HELP and TYPE alone: valid text. */
Test(xp_metrics, a_family_with_no_samples)
{
	struct xp_label le = {"le", "+Inf"};
	struct out o;
	char *s;

	out_open(&o);
	xp_metrics_family(&o.m, "xpool_empty_total", "counter", "Nothing yet.");
	xp_metrics_family(&o.m, "xpool_h", "histogram", "H.");
	xp_metrics_samplef(&o.m, "_bucket", &le, 1, "%lu", 3UL);
	xp_metrics_samplef(&o.m, "_sum", NULL, 0, "%g", 1.5);
	xp_metrics_samplef(&o.m, "_count", NULL, 0, "%lu", 3UL);
	s = out_close(&o);
	cr_expect_str_eq(s, "# HELP xpool_empty_total Nothing yet.\n"
			    "# TYPE xpool_empty_total counter\n"
			    "# HELP xpool_h H.\n# TYPE xpool_h histogram\n"
			    "xpool_h_bucket{le=\"+Inf\"} 3\nxpool_h_sum 1.5\nxpool_h_count 3\n");
	free(s);
}
