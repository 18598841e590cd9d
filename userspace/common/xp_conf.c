// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* xp_conf.c - chrony-style config files: one directive per line, words split on blanks. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "xp_conf.h"

int xp_conf_split(char *s, char **argv, int max)
{
	int n = 0;

	for (char *tok = strtok(s, " \t\r\n"); tok; tok = strtok(NULL, " \t\r\n")) {
		if (n == max)
			return -E2BIG;
		argv[n++] = tok;
	}
	return n;
}

int xp_conf_read(const char *path, xp_conf_cb cb, void *ctx)
{
	char line[1024], where[512], *argv[XP_CONF_MAX_WORDS];
	FILE *f = fopen(path, "r");
	int ret = 0, lineno = 0;

	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f)) {
		size_t cut;
		int argc, r;

		lineno++;
		snprintf(where, sizeof(where), "%s:%d", path, lineno);
		if (!strchr(line, '\n') && !feof(f)) {
			fprintf(stderr, "%s: line longer than %zu characters\n", where,
				sizeof(line) - 2);
			ret = ret ? ret : -EINVAL;
			for (int c; (c = fgetc(f)) != EOF && c != '\n';)
				;
			continue;
		}
		cut = strcspn(line, "#;!%");
		line[cut] = 0;
		argc = xp_conf_split(line, argv, XP_CONF_MAX_WORDS);
		if (argc == 0)
			continue;
		if (argc < 0) {
			fprintf(stderr, "%s: more than %d words\n", where, XP_CONF_MAX_WORDS);
			r = -EINVAL;
		} else {
			r = cb(ctx, where, argc, argv);
		}
		if (r && !ret)
			ret = r;
	}
	if (ferror(f) && !ret)
		ret = -EIO;
	fclose(f);
	return ret;
}
