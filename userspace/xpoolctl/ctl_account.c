// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* ctl_account.c - xpoolctl account: the administrators' side of volunteers' accounts. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sodium.h>

#include "ctl_account.h"
#include "reg_acct.h"

#define EXIT_USAGE 2

/* The password: the first line of stdin (a pipe or a file; never a command-line word). */
static int read_password(char *out, size_t n)
{
	size_t len;

	if (!fgets(out, (int)n, stdin)) {
		fprintf(stderr, "xpoolctl: account add reads the password from stdin: none given\n");
		return -EINVAL;
	}
	len = strcspn(out, "\r\n");
	if (out[len] == 0 && len == n - 1) {
		fprintf(stderr, "xpoolctl: password: 10 to 256 characters\n");
		return -EINVAL;
	}
	out[len] = 0;
	return 0;
}

int ctl_account(const char *db_path, int argc, char **argv)
{
	char email[REG_EMAIL_MAX + 1], pw[REG_PASSWORD_MAX + 2], hash[REG_PWHASH_MAX], err[200];
	bool list = argc == 2 && !strcmp(argv[1], "list");
	struct reg *db;
	int ret;

	if (!list && !(argc == 3 && (!strcmp(argv[1], "add") || !strcmp(argv[1], "disable") ||
				     !strcmp(argv[1], "enable")))) {
		fprintf(stderr, "xpoolctl: account add EMAIL | list | disable EMAIL | enable EMAIL\n");
		return EXIT_USAGE;
	}
	if (!list && reg_email_check(argv[2], email, err, sizeof(err))) {
		fprintf(stderr, "xpoolctl: %s\n", err);
		return 1;
	}
	if (!strcmp(argv[1], "add")) {
		ret = read_password(pw, sizeof(pw));
		if (!ret && reg_password_hash(pw, hash, err, sizeof(err))) {
			fprintf(stderr, "xpoolctl: %s\n", err);
			ret = -EINVAL;
		}
		sodium_memzero(pw, sizeof(pw));
		if (ret)
			return 1;
	}
	if (reg_open(db_path, list ? REG_OPEN_READONLY : REG_OPEN_EXISTING, &db))
		return 1;
	if (list)
		ret = reg_account_list(db, stdout);
	else if (!strcmp(argv[1], "add"))
		ret = reg_account_add(db, email, hash, NULL);
	else
		ret = reg_account_set_disabled(db, email, !strcmp(argv[1], "disable"));
	if (ret == -EEXIST)
		fprintf(stderr, "xpoolctl: an account with email %s exists\n", email);
	else if (ret == -ENOENT)
		fprintf(stderr, "xpoolctl: no account with email %s\n", email);
	else if (ret)
		fprintf(stderr, "xpoolctl: registry: %s\n", reg_why(db));
	else if (!strcmp(argv[1], "disable"))
		printf("%s: disabled, its tokens revoked (its servers stay as they are)\n", email);
	reg_close(db);
	return ret ? 1 : 0;
}
