// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* xp_log.c - leveled logging to stderr with a program prefix (journald reads stderr). */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "xp_log.h"

static const char *log_prog = "xpool";
static enum xp_log_level log_max = XP_LOG_INFO;
static int log_journal;

void xp_log_init(const char *prog, enum xp_log_level max)
{
	log_prog = prog;
	log_max = max;
	/* under systemd, stderr goes to the journal: sd-daemon(3) priority prefixes */
	log_journal = getenv("JOURNAL_STREAM") != NULL;
}

void xp_log(enum xp_log_level lvl, const char *fmt, ...)
{
	static const char *const journal[] = { "<3>", "<4>", "<6>", "<7>" };
	static const char *const word[] = { "error: ", "warning: ", "", "debug: " };
	char line[1024];
	va_list ap;
	int n;

	if (lvl > log_max)
		return;
	/* one write per line: threads never interleave inside a message */
	n = snprintf(line, sizeof(line), "%s%s: %s", log_journal ? journal[lvl] : "", log_prog,
		     word[lvl]);
	va_start(ap, fmt);
	vsnprintf(line + n, sizeof(line) - n - 1, fmt, ap);
	va_end(ap);
	n = strlen(line);
	line[n++] = '\n';
	fwrite(line, 1, n, stderr);
}
