// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* xt_tmp.c - temporary files for tests: made with mkstemp, named after what they hold. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "xt_tmp.h"

int xt_tmp_file(const char *what, const void *data, size_t len, char path[XT_TMP_PATH])
{
	int fd, ret = 0;

	snprintf(path, XT_TMP_PATH, "/tmp/xpool-%s.XXXXXX", what);
	fd = mkstemp(path);
	if (fd < 0)
		return -errno;
	if (!len && data)
		len = strlen(data);
	if (len && write(fd, data, len) != (ssize_t)len)
		ret = -EIO;
	close(fd);
	if (ret)
		unlink(path);
	return ret;
}

void xt_tmp_name(const char *what, const char *ext, char path[XT_TMP_PATH])
{
	static int n;

	snprintf(path, XT_TMP_PATH, "/tmp/xpool-%s-%d-%d.%s", what, getpid(), n++, ext);
	unlink(path);
}
