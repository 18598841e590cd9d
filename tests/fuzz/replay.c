// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* replay.c - runs a fuzz target over corpus files without libFuzzer (make check). */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *in, size_t size);

static int run_file(const char *path)
{
	static uint8_t buf[1 << 16];
	FILE *f = fopen(path, "rb");
	size_t n;

	if (!f) {
		perror(path);
		return -1;
	}
	n = fread(buf, 1, sizeof(buf), f);
	fclose(f);
	/* every prefix too: truncation at every byte */
	for (size_t k = 0; k <= n; k++)
		LLVMFuzzerTestOneInput(buf, k);
	return 0;
}

int main(int argc, char **argv)
{
	int files = 0, failed = 0;

	for (int i = 1; i < argc; i++) {
		DIR *d = opendir(argv[i]);
		struct dirent *e;

		if (!d) {
			failed |= run_file(argv[i]) != 0;
			files++;
			continue;
		}
		while ((e = readdir(d))) {
			char path[4096];

			if (e->d_name[0] == '.')
				continue;
			snprintf(path, sizeof(path), "%s/%s", argv[i], e->d_name);
			failed |= run_file(path) != 0;
			files++;
		}
		closedir(d);
	}
	printf("fuzz replay: %d passed, %d failed\n", failed ? files - 1 : files, failed);
	return failed || !files;
}
