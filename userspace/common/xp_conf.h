/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* xp_conf.h - chrony-style config files: one directive per line, words split on blanks. */
#ifndef XP_CONF_H
#define XP_CONF_H

#define XP_CONF_MAX_WORDS 16

/* Called per directive; where is "FILE:LINE" for messages. Return 0 or -errno. */
typedef int (*xp_conf_cb)(void *ctx, const char *where, int argc, char **argv);

/*
 * Reads path; '#', ';', '!' and '%' start comments. Every line is handed to cb, even after an
 * error, so that one run reports every bad line. Returns 0, the first error from cb, or
 * -errno when the file cannot be read (-ENOENT when it does not exist).
 */
int xp_conf_read(const char *path, xp_conf_cb cb, void *ctx);

/* Splits s in place on blanks: the word count, or -E2BIG. */
int xp_conf_split(char *s, char **argv, int max);

#endif
