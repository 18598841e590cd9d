/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* ctl_account.h - xpoolctl account: the administrators' side of volunteers' accounts. */
#ifndef CTL_ACCOUNT_H
#define CTL_ACCOUNT_H

/* account add EMAIL (password on stdin) | list | disable EMAIL | enable EMAIL: exit status. */
int ctl_account(const char *db_path, int argc, char **argv);

#endif
