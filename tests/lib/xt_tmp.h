/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* xt_tmp.h - temporary files for tests: made with mkstemp, named after what they hold. */
#ifndef XT_TMP_H
#define XT_TMP_H

#include <stddef.h>

#define XT_TMP_PATH 64

/*
 * Writes len bytes (or the string, with len 0 and text) to a new file /tmp/xpool-WHAT.XXXXXX;
 * path receives its name. 0, or -errno. The caller unlinks it.
 */
int xt_tmp_file(const char *what, const void *data, size_t len, char path[XT_TMP_PATH]);

/* A fresh name /tmp/xpool-WHAT-PID-N.EXT that does not exist (for files a program creates). */
void xt_tmp_name(const char *what, const char *ext, char path[XT_TMP_PATH]);

#endif
