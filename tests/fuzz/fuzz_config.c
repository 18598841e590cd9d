// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* fuzz_config.c - libFuzzer target: any bytes as xpool-dns's configuration file. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

#include "dns_config.h"

int LLVMFuzzerTestOneInput(const uint8_t *in, size_t size)
{
	static int fd = -1;
	static struct dns_config cfg;
	char path[64];
	char *argv[] = {"xpool-dns", "-c", path, NULL};

	if (fd < 0) {
		fd = memfd_create("fuzz-config", 0); /* a file without a disk */
		if (fd < 0)
			abort();
	}
	if (ftruncate(fd, 0) || pwrite(fd, in, size, 0) != (ssize_t)size)
		abort();
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	dns_config_load(&cfg, 3, argv); /* any verdict is fine; memory errors are not */
	return 0;
}
