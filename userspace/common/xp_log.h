/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* xp_log.h - leveled logging to stderr, shared by every xpool program. */
#ifndef XP_LOG_H
#define XP_LOG_H

enum xp_log_level { XP_LOG_QUIET = -1, XP_LOG_ERR, XP_LOG_WARN, XP_LOG_INFO, XP_LOG_DEBUG };

void xp_log_init(const char *prog, enum xp_log_level max);
void xp_log(enum xp_log_level lvl, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#define xp_err(...)   xp_log(XP_LOG_ERR, __VA_ARGS__)
#define xp_warn(...)  xp_log(XP_LOG_WARN, __VA_ARGS__)
#define xp_info(...)  xp_log(XP_LOG_INFO, __VA_ARGS__)
#define xp_debug(...) xp_log(XP_LOG_DEBUG, __VA_ARGS__)

#endif
